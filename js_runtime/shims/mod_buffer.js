// The `buffer` module (Node 20): the Buffer class of the buffer unit, atob, btoa and the size constants.
host.registerModule('buffer', {
  Buffer, atob, btoa,
  kMaxLength: 4294967296, kStringMaxLength: 536870888,
  constants: { MAX_LENGTH: 4294967296, MAX_STRING_LENGTH: 536870888 },
});
