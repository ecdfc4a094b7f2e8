/* libFuzzer target: the scand.conf parser on arbitrary text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = malloc(sizeof(*c));
	struct errbuf e;
	char *text = malloc(size + 1);
	if (c && text) {
		memcpy(text, data, size);
		text[size] = '\0';
		config_load_string(c, text, "fuzz.conf", &e);
	}
	free(text);
	free(c);
	return 0;
}
