/* common/text.c: see text.h. */
#include "common/text.h"

void text_one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}
