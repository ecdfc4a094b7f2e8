/* An empty program: meson links each layer of scand into one, with only the
 * layers below it, so that a call into a higher layer fails to link. */
int main(void)
{
	return 0;
}
