#pragma once
// Containers: a small interface the agent drives (agent/service_host.h), and its real
// implementation, the crun OCI runtime run as a command.
//
// A container is an OCI bundle (a directory with config.json, see engines/oci_bundle.h) run
// detached: the runtime starts it and returns; the container's processes are not children of
// hearthd, so a restart of hearthd leaves them running and the next hearthd finds them again by
// id (list()).

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace hearth {

struct ContainerInfo {
  std::string id;
  enum class Status {
    creating,
    created,
    running,
    stopped,
    paused,
    unknown
  } status = Status::unknown;
  pid_t pid = 0;  // of the container's first process; 0 when not running
};

const char* to_string(ContainerInfo::Status status);

// Contract of a container runtime. Thread-safe (every call is a separate runtime command).
class ContainerRuntime {
 public:
  virtual ~ContainerRuntime() = default;

  // Every container the runtime knows (running or not), sorted by id.
  virtual Result<std::vector<ContainerInfo>> list() = 0;

  // Creates and starts container `id` from the bundle at `bundle_dir` (absolute), detached. Its
  // stdout and stderr are appended to `log_file`. Fails, naming the cause, when the runtime
  // refuses the bundle or the first process cannot start; then nothing of it is left behind.
  // REQUIRES: no container `id` exists (remove() it first).
  virtual Status run(const std::string& id, const std::string& bundle_dir,
                     const std::string& log_file) = 0;

  // Sends `signal` to the container's first process. Fails when the container does not run.
  virtual Status kill(const std::string& id, int signal) = 0;

  // Stops the container at once (SIGKILL to all its processes) and forgets it. Succeeds when no
  // such container exists.
  virtual Status remove(const std::string& id) = 0;
};

// crun, as `crun --root STATE_DIR ...`. STATE_DIR keeps crun's record of each container; hearth
// uses its own so it never touches containers it did not make.
class CrunRuntime final : public ContainerRuntime {
 public:
  explicit CrunRuntime(std::string state_dir, std::string program = "crun");

  Result<std::vector<ContainerInfo>> list() override;
  Status run(const std::string& id, const std::string& bundle_dir,
             const std::string& log_file) override;
  Status kill(const std::string& id, int signal) override;
  Status remove(const std::string& id) override;

 private:
  std::vector<std::string> argv(std::vector<std::string> args) const;

  std::string state_dir_;
  std::string program_;
};

}  // namespace hearth
