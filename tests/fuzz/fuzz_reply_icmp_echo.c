/* libFuzzer target: reply parsing, validation and classification of the
 * icmp_echo probe module (fuzz_reply_module.h); seeds in corpus/reply_icmp_echo/. */
#define FUZZ_MODULE probe_icmp_echo
#include "fuzz_reply_module.h"
