/* console/screen.c: the screen model, a grid of cells (a code point, attributes, a semantic
 * colour) that render.c fills and tty.c draws with curses, or cons_screen_text writes as plain
 * UTF-8 for --frame and the golden tests. Every code point takes one column: the console only
 * writes characters that do (ASCII, braille, blocks, box drawing), and anything else a user
 * types is shown one column per code point, which at worst misaligns that one field. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/console_int.h"

int cons_screen_init(struct cons_screen *s, int width, int height)
{
    memset(s, 0, sizeof(*s));
    if (width < 1 || height < 1 || width > 1000 || height > 1000)
        return -1;
    s->cells = malloc((size_t)width * (size_t)height * sizeof(*s->cells));
    if (!s->cells)
        return -1;
    s->width = width;
    s->height = height;
    cons_screen_clear(s);
    return 0;
}

void cons_screen_free(struct cons_screen *s)
{
    free(s->cells);
    memset(s, 0, sizeof(*s));
}

void cons_screen_clear(struct cons_screen *s)
{
    for (int i = 0; i < s->width * s->height; i++)
        s->cells[i] = (struct cons_cell){.ch = ' '};
}

struct cons_cell *cons_cell_at(struct cons_screen *s, int x, int y)
{
    if (x < 0 || y < 0 || x >= s->width || y >= s->height)
        return NULL;
    return &s->cells[(size_t)y * (size_t)s->width + (size_t)x];
}

/* Decodes one UTF-8 sequence at *p; returns its code point ('?' for malformed bytes, which are
 * skipped one at a time) and advances *p. */
static uint32_t utf8_next(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    uint32_t c = s[0];
    size_t len = c < 0x80             ? 1
                 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    if (len == 0) {
        (*p)++;
        return '?';
    }
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            (*p)++;
            return '?';
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    *p += len;
    return cp;
}

static bool printable(uint32_t cp)
{
    return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) && cp <= 0x10ffff &&
           !(cp >= 0xd800 && cp <= 0xdfff);
}

int cons_put(struct cons_screen *s, int x, int y, int max_w, uint8_t attr, uint8_t color,
             const char *text)
{
    int n = 0;
    if (!text)
        return 0;
    for (const char *p = text; *p && n < max_w;) {
        uint32_t cp = utf8_next(&p);
        struct cons_cell *c = cons_cell_at(s, x + n, y);
        if (!c)
            break;
        *c = (struct cons_cell){.ch = printable(cp) ? cp : '?', .attr = attr, .color = color};
        n++;
    }
    return n;
}

int cons_putf(struct cons_screen *s, int x, int y, int max_w, uint8_t attr, uint8_t color,
              const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return cons_put(s, x, y, max_w, attr, color, buf);
}

void cons_paint(struct cons_screen *s, int x, int y, int w, uint8_t attr, uint8_t color)
{
    for (int i = 0; i < w; i++) {
        struct cons_cell *c = cons_cell_at(s, x + i, y);
        if (c) {
            c->attr = attr;
            c->color = color;
        }
    }
}

void cons_fill(struct cons_screen *s, int x, int y, int w, int h, uint32_t ch, uint8_t attr,
               uint8_t color)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            struct cons_cell *c = cons_cell_at(s, x + i, y + j);
            if (c)
                *c = (struct cons_cell){.ch = ch, .attr = attr, .color = color};
        }
}

int cons_text_width(const char *text)
{
    int n = 0;
    for (const char *p = text; p && *p; n++)
        utf8_next(&p);
    return n;
}

/* Appends cp as UTF-8: *need grows by its length; it is written at buf[*written] while the
 * whole text so far fits (with room for the NUL), and from the first that does not, nothing is. */
static void utf8_put(char *buf, size_t cap, size_t *need, size_t *written, uint32_t cp)
{
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char)(0xf0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (*written == *need && *need + n < cap) {
        memcpy(buf + *written, tmp, n);
        *written += n;
    }
    *need += n;
}

size_t cons_screen_text(const struct cons_screen *s, char *buf, size_t cap)
{
    size_t need = 0, written = 0;
    for (int y = 0; y < s->height; y++) {
        const struct cons_cell *row = &s->cells[(size_t)y * (size_t)s->width];
        int end = s->width;
        while (end > 0 && row[end - 1].ch == ' ')
            end--;
        for (int x = 0; x < end; x++)
            utf8_put(buf, cap, &need, &written, row[x].ch);
        utf8_put(buf, cap, &need, &written, '\n');
    }
    if (cap > 0)
        buf[written] = '\0';
    return need;
}
