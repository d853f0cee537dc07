/* reports/table.c: the table view model every report is built from (reports.h, "the view
 * model") and its renderers: aligned text that fits 80 columns, Markdown, CSV, JSON, and the
 * HTML page (through html.c). The formats are specified in README.md, "Report formats". */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"

/* Text reports are read in terminals and e-mails of 80 columns. */
#define TEXT_COLS 80
/* Columns of aligned text are two spaces apart. */
#define TEXT_GAP 2

int rpt_format_parse(const char *name, enum rpt_format *out)
{
    static const struct {
        const char *name;
        enum rpt_format fmt;
    } names[] = {
        {"text", RPT_TEXT}, {"md", RPT_MARKDOWN}, {"markdown", RPT_MARKDOWN},
        {"csv", RPT_CSV},   {"json", RPT_JSON},   {"html", RPT_HTML},
    };
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].fmt;
            return 0;
        }
    }
    return -1;
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

/* Decodes the code point at s (s[0] != 0) and sets *len to its bytes. A byte that does not
 * start a valid, shortest-form sequence (or starts a surrogate) decodes as U+FFFD of length 1,
 * so every renderer makes progress on any input. */
static uint32_t utf8_next(const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[0];
    size_t n;
    uint32_t min;
    *len = 1;
    if (c < 0x80)
        return c;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, c &= 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, c &= 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0xfffd;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0xfffd;
        c = (c << 6) | (u[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0xfffd;
    *len = n;
    return c;
}

/* Columns a code point takes in a terminal: combining marks and zero-width characters none,
 * East Asian wide characters (Hangul tier names, CJK) two. Control characters count one
 * because the text renderers write them as a space. A small table rather than wcwidth(3),
 * whose answer depends on the process's locale. */
static int cp_width(uint32_t c)
{
    static const uint32_t wide[][2] = {
        {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff}, {0x3400, 0x4dbf},
        {0x4e00, 0x9fff},   {0xa000, 0xa4cf},   {0xac00, 0xd7a3}, {0xf900, 0xfaff},
        {0xfe30, 0xfe4f},   {0xff00, 0xff60},   {0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
        {0x1f900, 0x1f9ff}, {0x20000, 0x3fffd},
    };
    if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || (c >= 0xfe00 && c <= 0xfe0f))
        return 0;
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
        if (c >= wide[i][0] && c <= wide[i][1])
            return 2;
    }
    return 1;
}

static bool cp_is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

/* Display width of the first nbytes of s. */
static size_t text_width_n(const char *s, size_t nbytes)
{
    size_t w = 0, len;
    for (size_t i = 0; i < nbytes && s[i] != '\0'; i += len)
        w += (size_t)cp_width(utf8_next(s + i, &len));
    return w;
}

static size_t text_width(const char *s)
{
    return text_width_n(s, strlen(s));
}

/* Copies src into dst[cap], cut at a character boundary when it does not fit. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        /* src[n] is the first byte left out: when it continues a sequence, that whole
         * character goes too. */
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Writes nbytes of s for people: control characters as spaces, broken UTF-8 as U+FFFD. */
static void put_text_n(FILE *f, const char *s, size_t nbytes)
{
    size_t len;
    for (size_t i = 0; i < nbytes && s[i] != '\0'; i += len) {
        uint32_t c = utf8_next(s + i, &len);
        if (cp_is_control(c))
            fputc(' ', f);
        else if (c == 0xfffd && len == 1)
            fputs("\xef\xbf\xbd", f);
        else
            fwrite(s + i, 1, len, f);
    }
}

static void put_text(FILE *f, const char *s)
{
    put_text_n(f, s, strlen(s));
}

static void put_spaces(FILE *f, size_t n)
{
    while (n-- > 0)
        fputc(' ', f);
}

/* ---- the model --------------------------------------------------------------------------- */

int rpt_table_init(struct rpt_table *t, const char *key, const char *title, const char *const *cols,
                   size_t ncols)
{
    memset(t, 0, sizeof(*t));
    if (key == NULL || key[0] == '\0' || strlen(key) >= sizeof(t->key) || ncols == 0 ||
        ncols > RPT_TABLE_COLS)
        return -1;
    snprintf(t->key, sizeof(t->key), "%s", key);
    copy_cut(t->title, sizeof(t->title), title != NULL ? title : "");
    for (size_t i = 0; i < ncols; i++) {
        const char *spec = cols[i];
        const char *bar1 = spec != NULL ? strchr(spec, '|') : NULL;
        if (bar1 == NULL)
            goto fail;
        const char *k = bar1 + 1;
        const char *bar2 = strchr(k, '|');
        size_t hlen = (size_t)(bar1 - spec);
        size_t klen = bar2 != NULL ? (size_t)(bar2 - k) : strlen(k);
        if (bar2 != NULL && strcmp(bar2 + 1, "r") != 0 && strcmp(bar2 + 1, "l") != 0)
            goto fail;
        if (klen == 0 || klen >= sizeof(t->col_keys[i]) || hlen >= sizeof(t->cols[i]))
            goto fail;
        memcpy(t->cols[i], spec, hlen);
        t->cols[i][hlen] = '\0';
        memcpy(t->col_keys[i], k, klen);
        t->col_keys[i][klen] = '\0';
        t->right[i] = bar2 != NULL && bar2[1] == 'r';
        /* Row objects in JSON are keyed by col_keys: a repeated key would lose a column. */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(t->col_keys[j], t->col_keys[i]) == 0)
                goto fail;
        }
    }
    t->ncols = ncols;
    return 0;
fail:
    memset(t, 0, sizeof(*t));
    return -1;
}

void rpt_table_free(struct rpt_table *t)
{
    if (t == NULL)
        return;
    free(t->rows);
    t->rows = NULL;
    t->nrows = t->cap = 0;
}

struct rpt_cell *rpt_table_row(struct rpt_table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap != 0 ? t->cap * 2 : 16;
        void *rows = realloc(t->rows, cap * sizeof(t->rows[0]));
        if (rows == NULL)
            return NULL;
        t->rows = rows;
        t->cap = cap;
    }
    struct rpt_cell *row = t->rows[t->nrows++];
    for (size_t i = 0; i < RPT_TABLE_COLS; i++) {
        row[i].text[0] = '\0';
        row[i].value = NAN;
    }
    return row;
}

void rpt_cell_set(struct rpt_cell *c, double value, const char *fmt, ...)
{
    /* A few bytes more than the cell, so copy_cut sees the first byte left out. */
    char tmp[RPT_CELL_BYTES + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    copy_cut(c->text, sizeof(c->text), tmp);
    c->value = value;
}

void rpt_table_note(struct rpt_table *t, const char *fmt, ...)
{
    char tmp[sizeof(t->notes[0]) + 8];
    if (t->nnotes >= sizeof(t->notes) / sizeof(t->notes[0]))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    copy_cut(t->notes[t->nnotes++], sizeof(t->notes[0]), tmp);
}

/* ---- aligned text ------------------------------------------------------------------------ */

/* Where the next line of s starts when at most width columns fit: *line_bytes gets the bytes of
 * the line (trailing spaces excluded) and the return value the offset of what follows (leading
 * spaces skipped). Breaks at the last space that fits, or inside a word longer than the line. */
static size_t wrap_line(const char *s, size_t width, size_t *line_bytes)
{
    size_t i = 0, w = 0, len, last_space = 0;
    bool had_space = false;
    while (s[i] != '\0') {
        uint32_t c = utf8_next(s + i, &len);
        size_t cw = (size_t)cp_width(c);
        if (c == ' ') {
            last_space = i;
            had_space = true;
        }
        if (w + cw > width && c != ' ') {
            if (had_space) {
                i = last_space;
            } else if (i == 0) {
                i += len; /* a character wider than the line still goes somewhere */
            }
            break;
        }
        w += cw;
        i += len;
    }
    size_t end = i;
    while (end > 0 && s[end - 1] == ' ')
        end--;
    *line_bytes = end;
    while (s[i] == ' ')
        i++;
    return i;
}

/* Writes s wrapped to width columns; the caller has written `indent` columns of the first line,
 * and continuation lines are indented by as much. Ends with a newline. */
static void put_wrapped(FILE *f, const char *s, size_t indent, size_t width)
{
    size_t room = width > indent + 10 ? width - indent : 10;
    bool first = true;
    while (*s == ' ')
        s++;
    do {
        size_t n;
        size_t next = wrap_line(s, room, &n);
        if (!first)
            put_spaces(f, indent);
        put_text_n(f, s, n);
        fputc('\n', f);
        s += next;
        first = false;
    } while (*s != '\0');
}

/* The longest word of s, in columns: how narrow a wrapped heading can be. */
static size_t longest_word(const char *s)
{
    size_t best = 0, w = 0, len;
    for (size_t i = 0; s[i] != '\0'; i += len) {
        uint32_t c = utf8_next(s + i, &len);
        if (c == ' ') {
            w = 0;
            continue;
        }
        w += (size_t)cp_width(c);
        if (w > best)
            best = w;
    }
    return best;
}

/* How many lines s takes wrapped to width. */
static size_t wrapped_lines(const char *s, size_t width)
{
    size_t lines = 0, n;
    while (*s == ' ')
        s++;
    do {
        s += wrap_line(s, width, &n);
        lines++;
    } while (*s != '\0');
    return lines;
}

/* Writes one cell padded to width (right or left aligned); the last column is not padded on the
 * right, so lines carry no trailing spaces. */
static void put_cell(FILE *f, const char *s, size_t nbytes, size_t width, bool right, bool last)
{
    size_t w = text_width_n(s, nbytes);
    size_t pad = width > w ? width - w : 0;
    if (right)
        put_spaces(f, pad);
    put_text_n(f, s, nbytes);
    if (!right && !last)
        put_spaces(f, pad);
}

/* The column widths that fit TEXT_COLS, headings wrapped at spaces where needed; false when no
 * widths do (the caller then writes blocks). */
static bool text_widths(const struct rpt_table *t, size_t *w)
{
    size_t cw[RPT_TABLE_COLS], hw[RPT_TABLE_COLS], total = TEXT_GAP * (t->ncols - 1);
    for (size_t j = 0; j < t->ncols; j++) {
        cw[j] = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            size_t x = text_width(t->rows[i][j].text);
            if (x > cw[j])
                cw[j] = x;
        }
        hw[j] = text_width(t->cols[j]);
        w[j] = cw[j] > hw[j] ? cw[j] : hw[j];
        total += w[j];
    }
    if (total <= TEXT_COLS)
        return true;
    /* Narrowest: every heading wrapped to its longest word. */
    size_t base[RPT_TABLE_COLS];
    total = TEXT_GAP * (t->ncols - 1);
    for (size_t j = 0; j < t->ncols; j++) {
        size_t lw = longest_word(t->cols[j]);
        base[j] = cw[j] > lw ? cw[j] : lw;
        if (base[j] == 0)
            base[j] = 1;
        total += base[j];
    }
    if (total > TEXT_COLS)
        return false;
    /* The fewest heading lines that fit: for 2, 3, ... lines, each column takes the narrowest
     * width at which its heading wraps into that many lines. At as many lines as the longest
     * heading has words every column is at its narrowest, which fits. */
    for (size_t lines = 2;; lines++) {
        total = TEXT_GAP * (t->ncols - 1);
        for (size_t j = 0; j < t->ncols; j++) {
            w[j] = base[j];
            while (w[j] < hw[j] && wrapped_lines(t->cols[j], w[j]) > lines)
                w[j]++;
            total += w[j];
        }
        if (total <= TEXT_COLS || lines >= sizeof(t->cols[0])) {
            if (total > TEXT_COLS) /* cannot happen (see above); stay narrowest regardless */
                memcpy(w, base, t->ncols * sizeof(w[0]));
            return true;
        }
    }
}

static void text_table(FILE *f, const struct rpt_table *t, const size_t *w)
{
    size_t lines = 1;
    for (size_t j = 0; j < t->ncols; j++) {
        size_t l = wrapped_lines(t->cols[j], w[j]);
        if (l > lines)
            lines = l;
    }
    /* Headings sit on the rule: a heading of fewer lines starts lower. */
    const char *h[RPT_TABLE_COLS];
    for (size_t j = 0; j < t->ncols; j++)
        h[j] = t->cols[j];
    for (size_t line = 0; line < lines; line++) {
        size_t pending = 0; /* spaces owed before the next text, so no line ends in spaces */
        for (size_t j = 0; j < t->ncols; j++) {
            size_t mine = wrapped_lines(t->cols[j], w[j]);
            if (line + mine < lines || *h[j] == '\0') {
                pending += w[j] + TEXT_GAP;
                continue;
            }
            size_t n;
            size_t next = wrap_line(h[j], w[j], &n);
            size_t hw = text_width_n(h[j], n);
            size_t pad = w[j] > hw ? w[j] - hw : 0;
            put_spaces(f, pending + (t->right[j] ? pad : 0));
            put_text_n(f, h[j], n);
            pending = (t->right[j] ? 0 : pad) + TEXT_GAP;
            h[j] += next;
        }
        fputc('\n', f);
    }
    for (size_t j = 0; j < t->ncols; j++) {
        for (size_t k = 0; k < w[j]; k++)
            fputc('-', f);
        if (j + 1 < t->ncols)
            put_spaces(f, TEXT_GAP);
    }
    fputc('\n', f);
    for (size_t i = 0; i < t->nrows; i++) {
        /* The last non-empty cell ends the line, so empty trailing cells add no spaces. */
        size_t lastj = 0;
        for (size_t j = 0; j < t->ncols; j++) {
            if (t->rows[i][j].text[0] != '\0')
                lastj = j;
        }
        for (size_t j = 0; j <= lastj; j++) {
            const char *s = t->rows[i][j].text;
            put_cell(f, s, strlen(s), w[j], t->right[j], j == lastj);
            if (j < lastj)
                put_spaces(f, TEXT_GAP);
        }
        fputc('\n', f);
    }
    if (t->nrows == 0)
        fputs("(no rows)\n", f);
}

/* A table too wide for 80 columns: one block per row, "Heading: value" a line, values aligned
 * and wrapped under themselves. */
static void text_blocks(FILE *f, const struct rpt_table *t)
{
    size_t hw = 0;
    for (size_t j = 0; j < t->ncols; j++) {
        size_t x = text_width(t->cols[j]);
        if (x > hw)
            hw = x;
    }
    size_t indent = hw + 2; /* "Heading:" and one space */
    for (size_t i = 0; i < t->nrows; i++) {
        if (i > 0)
            fputc('\n', f);
        for (size_t j = 0; j < t->ncols; j++) {
            put_text(f, t->cols[j]);
            fputc(':', f);
            const char *v = t->rows[i][j].text;
            if (v[0] == '\0') {
                fputc('\n', f);
                continue;
            }
            put_spaces(f, indent - text_width(t->cols[j]) - 1);
            put_wrapped(f, v, indent, TEXT_COLS);
        }
    }
    if (t->nrows == 0)
        fputs("(no rows)\n", f);
}

static void write_text(FILE *f, const struct rpt_table *t)
{
    size_t w[RPT_TABLE_COLS];
    if (t->title[0] != '\0')
        put_wrapped(f, t->title, 0, TEXT_COLS);
    if (text_widths(t, w)) {
        text_table(f, t, w);
    } else {
        if (t->title[0] != '\0')
            fputc('\n', f);
        text_blocks(f, t);
        if (t->nnotes > 0)
            fputc('\n', f);
    }
    for (size_t k = 0; k < t->nnotes; k++)
        put_wrapped(f, t->notes[k], 0, TEXT_COLS);
}

/* ---- Markdown ---------------------------------------------------------------------------- */

/* Writes s as Markdown text (f NULL: only measures): the characters Markdown would read as
 * markup are backslash-escaped, so "<b>", "a_b_c" and "|" show as typed; control characters
 * become spaces. Returns the columns written, escapes included, so the caller can pad. */
static size_t md_text(FILE *f, const char *s)
{
    size_t w = 0, len;
    for (size_t i = 0; s[i] != '\0'; i += len) {
        utf8_next(s + i, &len);
        if (len == 1 && strchr("\\|<>&*_`[]~#", s[i]) != NULL) {
            if (f != NULL) {
                fputc('\\', f);
                fputc(s[i], f);
            }
            w += 2;
        } else {
            if (f != NULL)
                put_text_n(f, s + i, len);
            w += text_width_n(s + i, len);
        }
    }
    return w;
}

static void md_dashes(FILE *f, size_t n)
{
    while (n-- > 0)
        fputc('-', f);
}

static void write_markdown(FILE *f, const struct rpt_table *t)
{
    size_t w[RPT_TABLE_COLS];
    for (size_t j = 0; j < t->ncols; j++) {
        w[j] = md_text(NULL, t->cols[j]);
        if (w[j] < 3) /* "---" and "--:" are the shortest delimiters */
            w[j] = 3;
        for (size_t i = 0; i < t->nrows; i++) {
            size_t x = md_text(NULL, t->rows[i][j].text);
            if (x > w[j])
                w[j] = x;
        }
    }
    if (t->title[0] != '\0') {
        fputs("### ", f);
        md_text(f, t->title);
        fputs("\n\n", f);
    }
    fputc('|', f);
    for (size_t j = 0; j < t->ncols; j++) {
        size_t x = md_text(NULL, t->cols[j]);
        fputc(' ', f);
        if (t->right[j])
            put_spaces(f, w[j] - x);
        md_text(f, t->cols[j]);
        if (!t->right[j])
            put_spaces(f, w[j] - x);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (size_t j = 0; j < t->ncols; j++) {
        fputc(' ', f);
        md_dashes(f, t->right[j] ? w[j] - 1 : w[j]);
        fputs(t->right[j] ? ": |" : " |", f);
    }
    fputc('\n', f);
    for (size_t i = 0; i < t->nrows; i++) {
        fputc('|', f);
        for (size_t j = 0; j < t->ncols; j++) {
            const char *s = t->rows[i][j].text;
            size_t x = md_text(NULL, s);
            fputc(' ', f);
            if (t->right[j])
                put_spaces(f, w[j] - x);
            md_text(f, s);
            if (!t->right[j])
                put_spaces(f, w[j] - x);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    if (t->nrows == 0)
        fputs("\n(no rows)\n", f);
    for (size_t k = 0; k < t->nnotes; k++) {
        fputc('\n', f);
        md_text(f, t->notes[k]);
        fputc('\n', f);
    }
}

/* ---- CSV and JSON ------------------------------------------------------------------------ */

/* The shortest "%g" form that reads back as v, so 0.1 is "0.1", not "0.10000000000000001". The
 * decimal point is '.' whatever LC_NUMERIC says: CSV and JSON readers expect it. */
static void put_number(FILE *f, double v)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        for (char *p = buf; *p != '\0'; p++) {
            if (*p == ',')
                *p = '.';
        }
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

/* Writes s with broken UTF-8 as U+FFFD, every other byte as it is. */
static void put_utf8(FILE *f, const char *s, size_t nbytes)
{
    size_t len;
    for (size_t i = 0; i < nbytes && s[i] != '\0'; i += len) {
        if (utf8_next(s + i, &len) == 0xfffd && len == 1)
            fputs("\xef\xbf\xbd", f);
        else
            fwrite(s + i, 1, len, f);
    }
}

/* RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        put_utf8(f, s, strlen(s));
        return;
    }
    fputc('"', f);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        put_utf8(f, s, (size_t)(q - s));
        fputs("\"\"", f);
    }
    put_utf8(f, s, strlen(s));
    fputc('"', f);
}

static void write_csv(FILE *f, const struct rpt_table *t)
{
    for (size_t j = 0; j < t->ncols; j++) {
        if (j > 0)
            fputc(',', f);
        csv_field(f, t->col_keys[j]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < t->nrows; i++) {
        for (size_t j = 0; j < t->ncols; j++) {
            const struct rpt_cell *c = &t->rows[i][j];
            if (j > 0)
                fputc(',', f);
            if (isfinite(c->value))
                put_number(f, c->value);
            else
                csv_field(f, c->text);
        }
        fputc('\n', f);
    }
}

/* A JSON string: quotes, backslashes and control characters escaped, U+2028/2029 too (so the
 * text can sit in a script), broken UTF-8 as U+FFFD. */
static void json_str(FILE *f, const char *s)
{
    size_t len;
    fputc('"', f);
    for (size_t i = 0; s[i] != '\0'; i += len) {
        uint32_t c = utf8_next(s + i, &len);
        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (c < 0x20 || c == 0x2028 || c == 0x2029 || (c == 0xfffd && len == 1))
                fprintf(f, "\\u%04x", (unsigned)c);
            else
                fwrite(s + i, 1, len, f);
        }
    }
    fputc('"', f);
}

static void write_json_table(FILE *f, const struct rpt_table *t)
{
    fputs("{\n    \"title\": ", f);
    json_str(f, t->title);
    fputs(",\n    \"columns\": [", f);
    for (size_t j = 0; j < t->ncols; j++) {
        fputs(j > 0 ? ",\n      {\"key\": " : "\n      {\"key\": ", f);
        json_str(f, t->col_keys[j]);
        fputs(", \"heading\": ", f);
        json_str(f, t->cols[j]);
        fprintf(f, ", \"numeric\": %s}", t->right[j] ? "true" : "false");
    }
    fputs("\n    ],\n    \"rows\": [", f);
    for (size_t i = 0; i < t->nrows; i++) {
        fputs(i > 0 ? ",\n      {" : "\n      {", f);
        for (size_t j = 0; j < t->ncols; j++) {
            const struct rpt_cell *c = &t->rows[i][j];
            if (j > 0)
                fputs(", ", f);
            json_str(f, t->col_keys[j]);
            fputs(": ", f);
            if (isfinite(c->value))
                put_number(f, c->value);
            else if (c->text[0] != '\0')
                json_str(f, c->text);
            else
                fputs("null", f);
        }
        fputc('}', f);
    }
    fputs(t->nrows > 0 ? "\n    ],\n    \"notes\": [" : "],\n    \"notes\": [", f);
    for (size_t k = 0; k < t->nnotes; k++) {
        fputs(k > 0 ? ",\n      " : "\n      ", f);
        json_str(f, t->notes[k]);
    }
    fputs(t->nnotes > 0 ? "\n    ]\n  }" : "]\n  }", f);
}

static void write_json(FILE *f, const struct rpt_table *tables, size_t n)
{
    fputc('{', f);
    for (size_t i = 0; i < n; i++) {
        /* Keys must differ in one object: a repeated table key gets "_2", "_3", ... */
        unsigned seen = 1;
        for (size_t k = 0; k < i; k++)
            seen += strcmp(tables[k].key, tables[i].key) == 0;
        char key[sizeof(tables[i].key) + 16];
        if (seen > 1)
            snprintf(key, sizeof(key), "%s_%u", tables[i].key, seen);
        else
            snprintf(key, sizeof(key), "%s", tables[i].key);
        fputs(i > 0 ? ",\n  " : "\n  ", f);
        json_str(f, key);
        fputs(": ", f);
        write_json_table(f, &tables[i]);
    }
    fputs(n > 0 ? "\n}\n" : "}\n", f);
}

int rpt_tables_write(FILE *f, enum rpt_format fmt, const struct rpt_table *tables, size_t n)
{
    switch (fmt) {
    case RPT_JSON:
        write_json(f, tables, n);
        break;
    case RPT_HTML: {
        struct rpt_html *p =
            rpt_html_begin(f, n > 0 && tables[0].title[0] != '\0' ? tables[0].title : "Report");
        if (p == NULL)
            return -1;
        rpt_html_tables(p, tables, n);
        if (rpt_html_end(p) != 0)
            return -1;
        break;
    }
    default:
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                fputc('\n', f);
            if (fmt == RPT_MARKDOWN)
                write_markdown(f, &tables[i]);
            else if (fmt == RPT_CSV)
                write_csv(f, &tables[i]);
            else
                write_text(f, &tables[i]);
        }
    }
    if (fflush(f) != 0 || ferror(f))
        return -1;
    return 0;
}

/* ---- HTML tables (the page around them is html.c's) ------------------------------------- */

int rpt_html_table_write(FILE *f, const struct rpt_table *t)
{
    fputs("<table>\n", f);
    if (t->title[0] != '\0') {
        fputs("<caption>", f);
        rpt_html_escape(f, t->title);
        fputs("</caption>\n", f);
    }
    fputs("<thead><tr>", f);
    for (size_t j = 0; j < t->ncols; j++) {
        fputs(t->right[j] ? "<th scope=\"col\" class=\"n\">" : "<th scope=\"col\">", f);
        rpt_html_escape(f, t->cols[j]);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < t->nrows; i++) {
        fputs("<tr>", f);
        for (size_t j = 0; j < t->ncols; j++) {
            const struct rpt_cell *c = &t->rows[i][j];
            fputs(t->right[j] ? "<td class=\"n\"" : "<td", f);
            if (isfinite(c->value)) {
                fputs(" data-value=\"", f);
                put_number(f, c->value);
                fputc('"', f);
            }
            fputc('>', f);
            rpt_html_escape(f, c->text);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    if (t->nrows == 0)
        fprintf(f, "<tr><td colspan=\"%zu\" class=\"empty\">(no rows)</td></tr>\n", t->ncols);
    fputs("</tbody>\n</table>\n", f);
    for (size_t k = 0; k < t->nnotes; k++) {
        fputs("<p class=\"note\">", f);
        rpt_html_escape(f, t->notes[k]);
        fputs("</p>\n", f);
    }
    return ferror(f) ? -1 : 0;
}

void rpt_html_escape(FILE *f, const char *s)
{
    size_t len;
    for (size_t i = 0; s[i] != '\0'; i += len) {
        uint32_t c = utf8_next(s + i, &len);
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            /* XML 1.0 allows tab and line breaks among the controls, and not U+FFFE/FFFF. */
            if ((cp_is_control(c) && c != '\t' && c != '\n' && c != '\r') || c == 0xfffe ||
                c == 0xffff || (c == 0xfffd && len == 1))
                fputs("\xef\xbf\xbd", f);
            else
                fwrite(s + i, 1, len, f);
        }
    }
}
