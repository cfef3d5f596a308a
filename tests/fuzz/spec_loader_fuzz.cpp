// libFuzzer target over the whole spec loader: YAML parsing, building and validation.
// Besides "never crashes, hangs or leaks" it checks the loader's contract on every input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "spec/disk_fit.h"
#include "spec/load.h"
#include "spec/validate.h"

namespace {

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "contract violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hearth::LoadResult result = hearth::load_spec_text(text, "fuzz.yaml");
  if (result.unreadable) violated("text in memory reported as unreadable");
  if (result.ok() == !result.errors.empty()) violated("ok() must mean: no errors");
  for (std::size_t i = 0; i < result.errors.size(); ++i) {
    const hearth::Diagnostic& error = result.errors[i];
    if (error.message.empty()) violated("a diagnostic without a message");
    if (error.file != "fuzz.yaml") violated("a diagnostic naming another file");
    if (error.position.line < 0 || error.position.column < 0) violated("a negative position");
    if (i > 0 && error.position < result.errors[i - 1].position)
      violated("errors not in file order");
    (void)error.format();
  }
  if (result.ok()) {
    // A loaded spec passes the rules again, and its volumes fit by the shared rule.
    if (!hearth::validate_spec(*result.spec).empty()) violated("a loaded spec fails validation");
    for (const hearth::VolumeBricks& bricks : hearth::fit_volumes(*result.spec).volumes) {
      if (!bricks.fits()) violated("a loaded spec has a volume that does not fit");
    }
  }
  return 0;
}
