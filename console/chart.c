/* console/chart.c: numbers in a few columns, and charts drawn into the screen model. Braille
 * cells give 2x4 dots each (htop's and btop's choice: the finest a terminal font can do), block
 * elements 8 levels a column for terminals whose font lacks braille, and plain ASCII when the
 * locale is not UTF-8. Pure: values in, cells out. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "console/console_int.h"

/* ---- numbers -------------------------------------------------------------------------------- */

/* Three significant digits with a suffix: the thresholds are where rounding would spill into a
 * fourth digit ("999.6" must read "1.00k", not "1000"). */
static void fmt_scaled(char *buf, size_t cap, double n, double base, const char *const *suffix,
                       size_t nsuffix)
{
    if (!isfinite(n) || n < 0)
        n = 0;
    size_t i = 0;
    if (n < 999.5) {
        snprintf(buf, cap, "%.0f%s", n, suffix[0]);
        return;
    }
    while (i + 1 < nsuffix && n >= base * 0.9995) {
        n /= base;
        i++;
    }
    if (n < 9.995)
        snprintf(buf, cap, "%.2f%s", n, suffix[i]);
    else if (n < 99.95)
        snprintf(buf, cap, "%.1f%s", n, suffix[i]);
    else
        snprintf(buf, cap, "%.0f%s", n, suffix[i]);
}

void cons_fmt_count(char *buf, size_t cap, double n)
{
    static const char *const sfx[] = {"", "k", "M", "G", "T"};
    fmt_scaled(buf, cap, n, 1000, sfx, 5);
}

void cons_fmt_bytes(char *buf, size_t cap, double bytes)
{
    static const char *const sfx[] = {"B", "K", "M", "G", "T"};
    fmt_scaled(buf, cap, bytes, 1024, sfx, 5);
}

void cons_fmt_us(char *buf, size_t cap, double us)
{
    if (!isfinite(us) || us < 0)
        us = 0;
    if (us < 999.5)
        snprintf(buf, cap, "%.0fus", us);
    else if (us < 9995)
        snprintf(buf, cap, "%.2fms", us / 1e3);
    else if (us < 99950)
        snprintf(buf, cap, "%.1fms", us / 1e3);
    else if (us < 999500)
        snprintf(buf, cap, "%.0fms", us / 1e3);
    else if (us < 9.995e6)
        snprintf(buf, cap, "%.2fs", us / 1e6);
    else if (us < 99.95e6)
        snprintf(buf, cap, "%.1fs", us / 1e6);
    else
        snprintf(buf, cap, "%.0fs", us / 1e6);
}

void cons_fmt_uptime(char *buf, size_t cap, double s)
{
    if (!isfinite(s) || s < 0)
        s = 0;
    unsigned long t = (unsigned long)s;
    if (t < 60)
        snprintf(buf, cap, "%lus", t);
    else if (t < 3600)
        snprintf(buf, cap, "%lum%02lus", t / 60, t % 60);
    else if (t < 86400)
        snprintf(buf, cap, "%luh%02lum", t / 3600, t % 3600 / 60);
    else
        snprintf(buf, cap, "%lud%02luh", t / 86400, t % 86400 / 3600);
}

double cons_nice_ceil(double x, double floor_value)
{
    if (!(x > floor_value))
        x = floor_value;
    if (!(x > 0) || !isfinite(x))
        return 1;
    double p = pow(10, floor(log10(x)));
    static const double steps[] = {1, 2, 5, 10};
    for (size_t i = 0; i < 4; i++)
        if (steps[i] * p >= x * (1 - 1e-9))
            return steps[i] * p;
    return 10 * p;
}

/* ---- charts --------------------------------------------------------------------------------- */

size_t cons_chart_samples(int w, enum cons_glyphs g)
{
    if (w <= 0)
        return 0;
    /* Two samples a column in braille, unless the chart would then hold more seconds than the
     * server keeps (SRV_TIMELINE_S): a wide terminal then gets one second a column. */
    if (g == CONS_GLYPHS_BRAILLE && (size_t)w * 2 <= SRV_TIMELINE_S)
        return (size_t)w * 2;
    return (size_t)w;
}

/* Where v falls on an axis of `levels` steps: 0..1 of the height. */
static double frac_of(double v, double ymin, double ymax, bool log_scale)
{
    double f;
    if (log_scale) {
        double lo = log10(ymin > 0 ? ymin : 1), hi = log10(ymax > ymin ? ymax : ymin * 10);
        f = (log10(v > ymin ? v : ymin) - lo) / (hi - lo);
    } else {
        f = ymax > 0 ? v / ymax : 0;
    }
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

/* Braille dot bits, by sub-column (0 left, 1 right) and dot row from the top of the cell. */
static const uint8_t braille_bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};

/* Sets one dot of a column of braille cells; dot_row counts from the bottom of the chart, four
 * a cell. */
static void set_dot(uint8_t *bits, uint8_t *colors, int h, int sub, int dot_row, uint8_t color)
{
    int row = h - 1 - dot_row / 4;
    if (row < 0 || row >= h)
        return;
    bits[row] |= braille_bit[sub][3 - dot_row % 4];
    colors[row] = color;
}

#define CHART_MAX_SERIES 4

/* Where sample i of n goes: samples are right-aligned (the newest at the right edge); with more
 * samples than fit, the oldest are left out. Returns false for a sample left out. */
static bool place(size_t i, size_t n, size_t slots, size_t *slot)
{
    if (n > slots) {
        if (i < n - slots)
            return false;
        *slot = i - (n - slots);
    } else {
        *slot = slots - n + i;
    }
    return true;
}

/* Column by column, so the dots of one column fit on the stack; a line series remembers its
 * previous dot across columns to join it. A series of more samples than columns gets two a
 * column (one per dot column), else one a column on both dot columns. */
static void draw_braille(struct cons_screen *s, int x, int y, int w, int h,
                         enum cons_chart_kind kind, const struct cons_chart_series *series,
                         size_t nseries, double ymin, double ymax, bool log_scale)
{
    uint8_t bits[1000], colors[1000];
    int prev[CHART_MAX_SERIES];
    if (h > 1000)
        h = 1000;
    if (nseries > CHART_MAX_SERIES)
        nseries = CHART_MAX_SERIES;
    for (size_t k = 0; k < nseries; k++)
        prev[k] = -1;
    int dots = 4 * h;
    for (int col = 0; col < w; col++) {
        memset(bits, 0, (size_t)h);
        memset(colors, 0, (size_t)h);
        for (size_t k = 0; k < nseries; k++) {
            const struct cons_chart_series *se = &series[k];
            size_t per_col = se->n > (size_t)w ? 2 : 1;
            size_t slots = (size_t)w * per_col;
            for (size_t sub = 0; sub < per_col; sub++) {
                /* The sample at dot column (col, sub), if any. */
                size_t slot = (size_t)col * per_col + sub, i;
                size_t first = se->n > slots ? se->n - slots : 0;
                size_t lead = se->n < slots ? slots - se->n : 0;
                if (slot < lead)
                    continue;
                i = slot - lead + first;
                if (i >= se->n || isnan(se->v[i])) {
                    prev[k] = -1;
                    continue;
                }
                double v = se->v[i];
                double f = frac_of(v, ymin, ymax, log_scale);
                int lo, hi;
                if (kind == CONS_CHART_AREA) {
                    lo = 0;
                    hi = (int)lround(f * dots) - 1;
                    if (hi < 0 && v > 0)
                        hi = 0; /* a trickle of traffic still shows */
                } else {
                    int level = (int)lround(f * (dots - 1));
                    /* Join the previous sample's dot with a vertical run: a jump reads as a line.
                     */
                    lo = hi = level;
                    if (prev[k] >= 0 && prev[k] < level)
                        lo = prev[k] + 1;
                    else if (prev[k] > level)
                        hi = prev[k] - 1;
                    prev[k] = level;
                }
                for (int d = lo; d <= hi; d++) {
                    set_dot(bits, colors, h, (int)sub, d, se->color);
                    if (per_col == 1)
                        set_dot(bits, colors, h, 1, d, se->color);
                }
            }
        }
        for (int r = 0; r < h; r++) {
            struct cons_cell *cell = cons_cell_at(s, x + col, y + r);
            if (cell && bits[r])
                *cell = (struct cons_cell){.ch = 0x2800u + bits[r], .color = colors[r]};
        }
    }
}

static void put_ch(struct cons_screen *s, int x, int y, uint32_t ch, uint8_t color)
{
    struct cons_cell *c = cons_cell_at(s, x, y);
    if (c)
        *c = (struct cons_cell){.ch = ch, .color = color};
}

/* Block elements or ASCII: one sample a column. */
static void draw_cells(struct cons_screen *s, int x, int y, int w, int h, enum cons_glyphs g,
                       enum cons_chart_kind kind, const struct cons_chart_series *series,
                       size_t nseries, double ymin, double ymax, bool log_scale)
{
    static const uint32_t eighths[8] = {' ',     0x2581u, 0x2582u, 0x2583u,
                                        0x2584u, 0x2585u, 0x2586u, 0x2587u};
    static const char thirds[3] = {' ', '.', ':'};
    bool ascii = g == CONS_GLYPHS_ASCII;
    for (size_t k = 0; k < nseries; k++) {
        const struct cons_chart_series *se = &series[k];
        for (size_t i = 0; i < se->n; i++) {
            size_t slot;
            double v = se->v[i];
            if (!place(i, se->n, (size_t)w, &slot) || isnan(v))
                continue;
            double f = frac_of(v, ymin, ymax, log_scale);
            int col = x + (int)slot;
            if (kind == CONS_CHART_AREA) {
                int sub = ascii ? 3 : 8;
                int level = (int)lround(f * h * sub);
                if (level == 0 && v > 0)
                    level = 1;
                for (int r = 0; r < h && level > 0; r++, level -= sub) {
                    uint32_t ch = level >= sub ? (ascii ? '#' : 0x2588u)
                                               : (ascii ? (uint32_t)thirds[level] : eighths[level]);
                    put_ch(s, col, y + h - 1 - r, ch, se->color);
                }
            } else if (ascii) {
                int level = (int)lround(f * (h - 1));
                put_ch(s, col, y + h - 1 - level, (uint32_t)se->ascii_mark, se->color);
            } else {
                int level = (int)lround(f * (2 * h - 1));
                put_ch(s, col, y + h - 1 - level / 2, level % 2 ? 0x2580u : 0x2584u, se->color);
            }
        }
    }
}

void cons_chart_draw(struct cons_screen *s, int x, int y, int w, int h, enum cons_glyphs g,
                     enum cons_chart_kind kind, const struct cons_chart_series *series,
                     size_t nseries, double ymin, double ymax, bool log_scale)
{
    if (w <= 0 || h <= 0)
        return;
    if (g == CONS_GLYPHS_BRAILLE)
        draw_braille(s, x, y, w, h, kind, series, nseries, ymin, ymax, log_scale);
    else
        draw_cells(s, x, y, w, h, g, kind, series, nseries, ymin, ymax, log_scale);
}
