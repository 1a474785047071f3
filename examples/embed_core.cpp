// Embedding the folio core: the header-only library needs no server. This program makes ids, moves a task through
// its state machine and signs a download link, the way a host application would.
#include <folio/clock.hpp>
#include <folio/ids.hpp>
#include <folio/signed_url.hpp>
#include <folio/task.hpp>

#include <iostream>

int main() {
  const folio::system_clock clock;
  folio::id_generator ids(clock);

  folio::task task;
  task.id = ids.next<folio::task_id>();
  task.run = ids.next<folio::run_id>();
  task.prompt = "A quarterly sales report";
  task.created_at = clock.now();
  std::cout << "task " << task.id.str() << " of run " << task.run.str() << " is " << folio::to_string(task.status)
            << '\n';

  if (auto claimed = folio::apply(task, folio::task_event::claim, clock.now()); !claimed) {
    std::cerr << "claim refused: " << claimed.error().message << '\n';
    return 1;
  }
  std::cout << "after claim: " << folio::to_string(task.status) << ", phase " << folio::to_string(task.phase) << '\n';

  // Errors are values: an illegal event is refused with a code a program can switch on.
  const auto refused = folio::next_status(task.status, folio::task_event::claim);
  std::cout << "claiming again: " << folio::to_string(refused.error().code) << " (" << refused.error().message << ")\n";

  const folio::url_signer signer("a secret only the server knows");
  const auto link = signer.sign_for("GET", "/v1/files/" + task.run.str() + "/workbook.xlsx", clock.now());
  std::cout << "download link: " << link.target() << '\n';

  const auto checked = signer.verify("GET", link.path, std::to_string(link.expires), link.signature, clock.now());
  std::cout << "link verifies: " << (checked ? "yes" : "no") << '\n';
  return checked ? 0 : 1;
}
