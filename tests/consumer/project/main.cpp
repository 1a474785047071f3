// A program that uses folio the way an outside project would, through the umbrella header.
#include <folio/folio.hpp>

#include <iostream>

int main() {
  folio::system_clock clock;
  folio::id_generator ids(clock);
  folio::task work;
  const auto claimed = folio::apply(work, folio::task_event::claim, clock.now());
  if (!claimed) {
    return 1;
  }
  std::cout << ids.next<folio::run_id>().str() << " queued->" << folio::to_string(work.status) << " folio "
            << FOLIO_VERSION_STRING << "\n";
  return 0;
}
