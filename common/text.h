/* common/text.h: making text from files and command lines safe to print in a message. Parsers
 * quote what they refuse ("unknown key \"durtion\""), and what they refuse may hold a newline or a
 * terminal escape sequence. */
#ifndef TB_COMMON_TEXT_H
#define TB_COMMON_TEXT_H

/* Replaces every control character (below 0x20, and 0x7f) of the NUL-terminated s with '?', so a
 * message that quotes input stays one line and cannot drive the terminal. */
void text_one_line(char *s);

#endif
