/* libFuzzer target: reply parsing, validation and classification of the
 * udp probe module (fuzz_reply_module.h); seeds in corpus/reply_udp/. */
#define FUZZ_MODULE probe_udp
#include "fuzz_reply_module.h"
