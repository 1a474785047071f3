// An ordinary shared library that exports something, but none of the folio symbols.
extern "C" __attribute__((visibility("default"))) int folio_test_answer() {
  return 42;
}
