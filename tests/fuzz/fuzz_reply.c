/* libFuzzer target: reply parsing, validation and classification of the
 * tcp_syn probe module (fuzz_reply_module.h); seeds in corpus/reply/. */
#define FUZZ_MODULE probe_tcp_syn
#include "fuzz_reply_module.h"
