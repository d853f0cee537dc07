/* reports/svg.c: the chart model (reports.h, "charts and the HTML page") and its one renderer,
 * a self-contained SVG line/scatter chart: linear, log10 and percentile axes with 1-2-5 or
 * decade ticks, a reference line, a legend. The builders of the report's charts are in html.c. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reports/reports.h"

/* Print-friendly series styles: the Okabe-Ito colours (told apart by colour-blind readers)
 * together with a dash pattern and a marker each, so that series stay distinct in grey print. */
static const char *const style_colour[RPT_CHART_SERIES] = {
    "#000000", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#666666",
};
static const char *const style_dash[RPT_CHART_SERIES] = {
    NULL, "8 4", "2 3", "10 3 2 3", "4 2", "12 3 2 3 2 3", "1 2", "6 2 2 2 2 2",
};

#define FONT_TICK_PX  12
#define FONT_LABEL_PX 13
#define FONT_TITLE_PX 15
/* An average glyph of the sans-serif fonts at 12 px, for sizing margins and the legend; SVG
 * text cannot be measured without a browser. */
#define GLYPH_PX      6.8
#define LEGEND_ROW_PX 20
#define MAX_TICKS     64
/* The reference line widens the auto range of y only when it is at most this many times the
 * data's top; a higher SLO would squash the data into the bottom of the plot. */
#define REF_RANGE_FACTOR 4.0

void rpt_chart_init(struct rpt_chart *c, const char *title)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->title, sizeof(c->title), "%s", title != NULL ? title : "");
    rpt_axis_set(&c->x, "", "", RPT_SCALE_LINEAR);
    rpt_axis_set(&c->y, "", "", RPT_SCALE_LINEAR);
    c->ref_y = NAN;
    c->width_px = 720;
    c->height_px = 400;
}

void rpt_chart_free(struct rpt_chart *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nseries && i < RPT_CHART_SERIES; i++) {
        free(c->series[i].x); /* y lives in the same block */
        c->series[i].x = c->series[i].y = NULL;
        c->series[i].n = 0;
    }
    c->nseries = 0;
}

void rpt_axis_set(struct rpt_axis *a, const char *label, const char *unit, enum rpt_scale scale)
{
    snprintf(a->label, sizeof(a->label), "%s", label != NULL ? label : "");
    snprintf(a->unit, sizeof(a->unit), "%s", unit != NULL ? unit : "");
    a->scale = scale;
    a->min = a->max = NAN;
}

int rpt_chart_series_add(struct rpt_chart *c, const char *name, enum rpt_draw draw, const double *x,
                         const double *y, size_t n)
{
    if (c->nseries >= RPT_CHART_SERIES)
        return -1;
    struct rpt_series *s = &c->series[c->nseries];
    memset(s, 0, sizeof(*s));
    if (n > 0) {
        double *xy = malloc(2 * n * sizeof(double));
        if (xy == NULL)
            return -1;
        memcpy(xy, x, n * sizeof(double));
        memcpy(xy + n, y, n * sizeof(double));
        s->x = xy;
        s->y = xy + n;
    }
    snprintf(s->name, sizeof(s->name), "%s", name != NULL ? name : "");
    s->draw = draw;
    s->style = (unsigned)c->nseries;
    s->n = n;
    c->nseries++;
    return 0;
}

void rpt_chart_ref(struct rpt_chart *c, double y, const char *fmt, ...)
{
    va_list ap;
    c->ref_y = y;
    va_start(ap, fmt);
    vsnprintf(c->ref_label, sizeof(c->ref_label), fmt, ap);
    va_end(ap);
}

const char *rpt_latency_unit(double max_us, double *div_us)
{
    double div = 1;
    const char *unit = "\xc2\xb5s"; /* µs */
    if (max_us >= 10e6) {
        div = 1e6;
        unit = "s";
    } else if (max_us >= 1000) {
        div = 1000;
        unit = "ms";
    }
    if (div_us != NULL)
        *div_us = div;
    return unit;
}

/* ---- numbers ---------------------------------------------------------------------------- */

/* v with one decimal at most ("12", "12.5"): SVG coordinates. The decimal point is '.'
 * whatever LC_NUMERIC says, since SVG reads numbers with '.'. */
static void fmt_coord(char *buf, size_t cap, double v)
{
    if (v > 1e6) /* far outside any plot: the clip path hides it, and %f stays short */
        v = 1e6;
    if (v < -1e6)
        v = -1e6;
    snprintf(buf, cap, "%.1f", v);
    size_t n = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == ',')
            buf[i] = '.';
    }
    if (n >= 2 && buf[n - 2] == '.' && buf[n - 1] == '0')
        buf[n - 2] = '\0';
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, cap, "0");
}

static void put_coord(FILE *f, double v)
{
    char buf[48];
    fmt_coord(buf, sizeof(buf), v);
    fputs(buf, f);
}

/* Digits after the point that ticks `step` apart need. */
static int step_decimals(double step)
{
    return step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
}

/* A tick label: v with the digits its step needs and thousands separated by commas ("12,500",
 * "0.25"); in millions ("1.5M") when mega is set, so axis labels stay short. */
static void fmt_tick(char *buf, size_t cap, double v, double step, bool mega)
{
    if (mega) {
        v /= 1e6;
        step /= 1e6;
    }
    char num[64];
    if (fabs(v) < step * 1e-6) { /* zero reads "0" whatever the step */
        snprintf(buf, cap, "0");
        return;
    }
    snprintf(num, sizeof(num), "%.*f", step_decimals(step), v);
    char *dot = strpbrk(num, ".,");
    if (dot != NULL)
        *dot = '.';
    size_t intlen = dot != NULL ? (size_t)(dot - num) : strlen(num);
    size_t sign = num[0] == '-';
    size_t o = 0;
    for (size_t i = 0; num[i] != '\0' && o + 2 < cap; i++) {
        if (i > sign && i < intlen && (intlen - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = num[i];
    }
    buf[o] = '\0';
    if (mega)
        snprintf(buf + o, cap - o, "M");
}

/* ---- scales ----------------------------------------------------------------------------- */

/* Where v sits on an axis of this scale, before mapping to pixels; NAN when it cannot be
 * drawn (a value <= 0 on a log axis, a percentile of 100 or more). */
static double tf(enum rpt_scale s, double v)
{
    if (!isfinite(v))
        return NAN;
    switch (s) {
    case RPT_SCALE_LOG10:
        return v > 0 ? log10(v) : NAN;
    case RPT_SCALE_PERCENTILE:
        return v >= 0 && v < 100 ? -log10(1 - v / 100) : NAN;
    default:
        return v;
    }
}

struct tick {
    double t; /* transformed position */
    char label[24];
    bool minor; /* a log axis's 2 and 5: a shorter mark and a fainter grid line */
};

struct scale {
    enum rpt_scale kind;
    double lo, hi;   /* transformed range */
    double px0, px1; /* pixels of lo and hi */
    struct tick ticks[MAX_TICKS];
    size_t nticks;
};

static double scale_px(const struct scale *s, double v)
{
    double t = tf(s->kind, v);
    if (isnan(t))
        return NAN;
    return s->px0 + (t - s->lo) / (s->hi - s->lo) * (s->px1 - s->px0);
}

static void tick_add(struct scale *s, double t, double v, double step, bool mega, bool minor,
                     bool label)
{
    if (s->nticks >= MAX_TICKS)
        return;
    struct tick *k = &s->ticks[s->nticks++];
    k->t = t;
    k->minor = minor;
    k->label[0] = '\0';
    if (label)
        fmt_tick(k->label, sizeof(k->label), v, step, mega);
}

/* The 1-2-5 step nearest to a fifth of range: 4 to 8 intervals, so that the rounded-out axis
 * wastes little room (0..128 steps by 20 to 140, not by 50 to 150). */
static double nice_step(double range)
{
    double raw = range / 5;
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/* Sets the range and ticks of an axis from the caller's min/max, else from the data (dlo, dhi:
 * the drawable data's extent in value space; NAN when there is none). */
static void scale_setup(struct scale *s, const struct rpt_axis *a, double dlo, double dhi)
{
    s->kind = a->scale;
    s->nticks = 0;
    if (a->scale == RPT_SCALE_LINEAR) {
        double lo = isnan(a->min) ? dlo : a->min, hi = isnan(a->max) ? dhi : a->max;
        if (isnan(lo) || isnan(hi)) {
            lo = 0;
            hi = 1;
        }
        /* Magnitudes (req/s, latency) read honestly from zero. */
        if (isnan(a->min) && lo > 0)
            lo = 0;
        if (isnan(a->max) && hi < 0)
            hi = 0;
        if (hi <= lo)
            hi = lo + (lo != 0 ? fabs(lo) : 1);
        double step = nice_step(hi - lo);
        if (isnan(a->min))
            lo = floor(lo / step + 1e-9) * step;
        if (isnan(a->max))
            hi = ceil(hi / step - 1e-9) * step;
        s->lo = lo;
        s->hi = hi;
        /* One unit for the whole axis: "0.5M, 1M, 1.5M", not "500,000, 1M". */
        bool mega = fmax(fabs(lo), fabs(hi)) >= 1e6;
        double first = ceil(lo / step - 1e-9);
        /* Counted, not stepped: at 1e17 and more, first + 1 == first in doubles. */
        for (int i = 0; i < MAX_TICKS; i++) {
            double v = (first + i) * step;
            if (v > hi + step * 1e-9)
                break;
            tick_add(s, v, v, step, mega, false, true);
        }
        return;
    }
    if (a->scale == RPT_SCALE_LOG10) {
        double lo = isnan(a->min) ? (isnan(dlo) ? 1 : dlo) : a->min;
        double hi = isnan(a->max) ? (isnan(dhi) ? 10 : dhi) : a->max;
        if (!(lo > 0))
            lo = hi > 0 ? hi / 10 : 1;
        if (!(hi > lo))
            hi = lo * 10;
        s->lo = isnan(a->min) ? floor(log10(lo) + 1e-9) : log10(lo);
        s->hi = isnan(a->max) ? ceil(log10(hi) - 1e-9) : log10(hi);
        if (s->hi <= s->lo)
            s->hi = s->lo + 1;
        /* Over two decades or less the 2s and 5s are labelled too. */
        bool label_minor = s->hi - s->lo <= 2.000001;
        for (double d = floor(s->lo); d <= ceil(s->hi); d++) {
            static const double mult[] = {1, 2, 5};
            for (size_t m = 0; m < 3; m++) {
                double t = d + log10(mult[m]);
                if (t < s->lo - 1e-9 || t > s->hi + 1e-9)
                    continue;
                double v = mult[m] * pow(10, d);
                tick_add(s, t, v, v, v >= 1e6, m > 0, m == 0 || label_minor);
            }
        }
        return;
    }
    /* Percentile: whole decades of 1/(1-p): 0%, 90%, 99%, 99.9%, ... */
    s->lo = isnan(a->min) ? 0 : tf(a->scale, a->min);
    double top = isnan(a->max) ? tf(a->scale, dhi) : tf(a->scale, a->max);
    if (isnan(s->lo))
        s->lo = 0;
    if (isnan(top))
        top = s->lo + 1;
    /* The percentile plot's last point is one step past 1 - 1/count: rather than a whole
     * empty decade for that step, the axis ends at it when it is a small way into a decade. */
    s->hi = !isnan(a->max) || top - floor(top) <= 0.1 ? top : ceil(top - 1e-9);
    if (s->hi > 12) /* 99.9999999999%: beyond any histogram's count */
        s->hi = 12;
    if (s->hi <= s->lo)
        s->hi = s->lo + 1;
    for (double d = ceil(s->lo - 1e-9); d <= s->hi + 1e-9 && s->nticks < MAX_TICKS; d++) {
        struct tick *k = &s->ticks[s->nticks++];
        k->t = d;
        k->minor = false;
        if (d == 0) {
            snprintf(k->label, sizeof(k->label), "0%%");
        } else if (d == 1) {
            snprintf(k->label, sizeof(k->label), "90%%");
        } else {
            size_t o = (size_t)snprintf(k->label, sizeof(k->label), "99");
            for (int i = 2; i < (int)d && o + 3 < sizeof(k->label); i++)
                o += (size_t)snprintf(k->label + o, sizeof(k->label) - o, i == 2 ? ".9" : "9");
            snprintf(k->label + o, sizeof(k->label) - o, "%%");
        }
    }
}

/* ---- drawing ------------------------------------------------------------------------------ */

static size_t glyphs(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void axis_title(char *buf, size_t cap, const struct rpt_axis *a)
{
    if (a->unit[0] != '\0' && a->label[0] != '\0')
        snprintf(buf, cap, "%s (%s)", a->label, a->unit);
    else
        snprintf(buf, cap, "%s", a->label[0] != '\0' ? a->label : a->unit);
}

static void put_attr_num(FILE *f, const char *name, double v)
{
    fprintf(f, " %s=\"", name);
    put_coord(f, v);
    fputc('"', f);
}

static void put_marker(FILE *f, unsigned style, double x, double y)
{
    const char *col = style_colour[style % RPT_CHART_SERIES];
    /* Styles 0-3 are filled shapes, 4-7 the same shapes open. */
    const char *fill = style % 8 < 4 ? col : "#ffffff";
    switch (style % 4) {
    case 0:
        fputs("<circle", f);
        put_attr_num(f, "cx", x);
        put_attr_num(f, "cy", y);
        fputs(" r=\"4\"", f);
        break;
    case 1:
        fputs("<rect", f);
        put_attr_num(f, "x", x - 3.5);
        put_attr_num(f, "y", y - 3.5);
        fputs(" width=\"7\" height=\"7\"", f);
        break;
    case 2:
        fputs("<path d=\"M", f);
        put_coord(f, x);
        fputc(' ', f);
        put_coord(f, y - 4.5);
        fputs("l4.5 8h-9z\"", f);
        break;
    default:
        fputs("<path d=\"M", f);
        put_coord(f, x);
        fputc(' ', f);
        put_coord(f, y - 5);
        fputs("l5 5-5 5-5-5z\"", f);
    }
    fprintf(f, " fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"/>\n", fill, col);
}

static void put_stroke(FILE *f, unsigned style)
{
    const char *dash = style_dash[style % RPT_CHART_SERIES];
    fprintf(f, " fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\"",
            style_colour[style % RPT_CHART_SERIES]);
    if (dash != NULL)
        fprintf(f, " stroke-dasharray=\"%s\"", dash);
}

static void put_series(FILE *f, const struct rpt_series *s, const struct scale *sx,
                       const struct scale *sy)
{
    if (s->draw & RPT_DRAW_LINE) {
        bool pen_down = false, any = false;
        for (size_t i = 0; i < s->n; i++) {
            double x = scale_px(sx, s->x[i]), y = scale_px(sy, s->y[i]);
            if (isnan(x) || isnan(y)) {
                pen_down = false;
                continue;
            }
            if (!any)
                fputs("<path class=\"series\" d=\"", f);
            fputc(pen_down ? 'L' : 'M', f);
            put_coord(f, x);
            fputc(' ', f);
            put_coord(f, y);
            pen_down = any = true;
        }
        if (any) {
            fputc('"', f);
            put_stroke(f, s->style);
            fputs("/>\n", f);
        }
    }
    if (s->draw & RPT_DRAW_POINTS) {
        for (size_t i = 0; i < s->n; i++) {
            double x = scale_px(sx, s->x[i]), y = scale_px(sy, s->y[i]);
            if (!isnan(x) && !isnan(y))
                put_marker(f, s->style, x, y);
        }
    }
}

static void put_text_el(FILE *f, double x, double y, const char *anchor, const char *extra,
                        const char *text)
{
    fputs("<text", f);
    put_attr_num(f, "x", x);
    put_attr_num(f, "y", y);
    if (anchor != NULL)
        fprintf(f, " text-anchor=\"%s\"", anchor);
    if (extra != NULL)
        fprintf(f, " %s", extra);
    fputc('>', f);
    rpt_html_escape(f, text);
    fputs("</text>\n", f);
}

/* The legend's layout: which row each entry is on, and how many rows, for the plot's height. */
static size_t legend_layout(const struct rpt_chart *c, double width, double *ex, size_t *erow)
{
    double x = 0;
    size_t row = 0;
    for (size_t i = 0; i < c->nseries; i++) {
        double w = 34 + GLYPH_PX * (double)glyphs(c->series[i].name) + 24;
        if (x > 0 && x + w > width) {
            row++;
            x = 0;
        }
        ex[i] = x;
        erow[i] = row;
        x += w;
    }
    return c->nseries > 0 ? row + 1 : 0;
}

static bool id_ok(const char *id)
{
    if (id[0] == '\0')
        return false;
    for (const char *p = id; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    }
    return true;
}

int rpt_svg_write(FILE *f, const struct rpt_chart *c, const char *id)
{
    if (id == NULL || !id_ok(id))
        id = "chart";
    double W = c->width_px > 200 ? c->width_px : 200, H = c->height_px > 150 ? c->height_px : 150;

    /* The data's extent on each axis, counting only what can be drawn. */
    double xlo = NAN, xhi = NAN, ylo = NAN, yhi = NAN;
    for (size_t i = 0; i < c->nseries; i++) {
        const struct rpt_series *s = &c->series[i];
        for (size_t k = 0; k < s->n; k++) {
            if (isnan(tf(c->x.scale, s->x[k])) || isnan(tf(c->y.scale, s->y[k])))
                continue;
            xlo = isnan(xlo) || s->x[k] < xlo ? s->x[k] : xlo;
            xhi = isnan(xhi) || s->x[k] > xhi ? s->x[k] : xhi;
            ylo = isnan(ylo) || s->y[k] < ylo ? s->y[k] : ylo;
            yhi = isnan(yhi) || s->y[k] > yhi ? s->y[k] : yhi;
        }
    }
    bool have_data = !isnan(xlo);
    bool ref = !isnan(tf(c->y.scale, c->ref_y));
    bool ref_above = false;
    if (ref) {
        if (!have_data || c->ref_y <= REF_RANGE_FACTOR * (yhi > 0 ? yhi : 0) || yhi <= 0) {
            ylo = isnan(ylo) || c->ref_y < ylo ? c->ref_y : ylo;
            yhi = isnan(yhi) || c->ref_y > yhi ? c->ref_y : yhi;
        } else {
            ref_above = true;
        }
    }

    struct scale scales[2]; /* 5 KiB: the stack is fine, and no allocation can fail */
    struct scale *sx = &scales[0], *sy = &scales[1];
    scale_setup(sy, &c->y, ylo, yhi);
    scale_setup(sx, &c->x, xlo, xhi);
    if (ref_above && sy->hi >= tf(c->y.scale, c->ref_y)) /* a caller's max may take it in */
        ref_above = false;

    /* Margins: room for the widest y tick label and the rotated y title on the left; tick
     * labels, the x title and the legend below. */
    size_t widest = 0;
    for (size_t i = 0; i < sy->nticks; i++) {
        size_t g = glyphs(sy->ticks[i].label);
        widest = g > widest ? g : widest;
    }
    double left = 28 + 10 + GLYPH_PX * (double)widest;
    if (left < 56)
        left = 56;
    /* The last x tick's label is centred on the frame's right edge: room for its half. */
    double right_margin = 24;
    if (sx->nticks > 0) {
        double half = GLYPH_PX * (double)glyphs(sx->ticks[sx->nticks - 1].label) / 2 + 6;
        right_margin = half > right_margin ? half : right_margin;
    }
    double right = W - right_margin, top = c->title[0] != '\0' ? 44 : 16;
    double ex[RPT_CHART_SERIES];
    size_t erow[RPT_CHART_SERIES];
    size_t rows = legend_layout(c, right - left, ex, erow);
    double bottom = H - 50 - (double)rows * LEGEND_ROW_PX;
    if (bottom < top + 40)
        bottom = top + 40;
    /* Frame edges on half pixels: a 1 px line there covers one row of pixels on screen,
     * not two grey ones. */
    left = floor(left) + 0.5;
    right = floor(right) + 0.5;
    top = floor(top) + 0.5;
    bottom = floor(bottom) + 0.5;
    sx->px0 = left;
    sx->px1 = right;
    sy->px0 = bottom;
    sy->px1 = top;

    char title_x[96], title_y[96];
    axis_title(title_x, sizeof(title_x), &c->x);
    axis_title(title_y, sizeof(title_y), &c->y);

    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" class=\"chart\" width=\"%g\" "
            "height=\"%g\" viewBox=\"0 0 %g %g\" role=\"img\" aria-labelledby=\"%s-title\" "
            "font-family=\"'DejaVu Sans', Helvetica, Arial, sans-serif\" font-size=\"%d\">\n",
            id, W, H, W, H, id, FONT_TICK_PX);
    fprintf(f, "<title id=\"%s-title\">", id);
    rpt_html_escape(f, c->title);
    fputs("</title>\n", f);
    if (c->caption[0] != '\0') {
        fputs("<desc>", f);
        rpt_html_escape(f, c->caption);
        fputs("</desc>\n", f);
    }
    fprintf(f, "<defs><clipPath id=\"%s-plot\"><rect", id);
    put_attr_num(f, "x", left);
    put_attr_num(f, "y", top);
    put_attr_num(f, "width", right - left);
    put_attr_num(f, "height", bottom - top);
    fputs("/></clipPath></defs>\n", f);
    fputs("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", f);
    if (c->title[0] != '\0') {
        char extra[64];
        snprintf(extra, sizeof(extra), "font-size=\"%d\" font-weight=\"bold\"", FONT_TITLE_PX);
        put_text_el(f, W / 2, 24, "middle", extra, c->title);
    }

    /* Grid lines, faint so that they print light grey under the data. */
    fputs("<g class=\"grid\" stroke-width=\"1\">\n", f);
    for (size_t i = 0; i < sx->nticks; i++) {
        double x = sx->px0 + (sx->ticks[i].t - sx->lo) / (sx->hi - sx->lo) * (sx->px1 - sx->px0);
        fprintf(f, "<path stroke=\"%s\" d=\"M", sx->ticks[i].minor ? "#f0f0f0" : "#dcdcdc");
        put_coord(f, x);
        fputc(' ', f);
        put_coord(f, top);
        fputs("V", f);
        put_coord(f, bottom);
        fputs("\"/>\n", f);
    }
    for (size_t i = 0; i < sy->nticks; i++) {
        double y = sy->px0 + (sy->ticks[i].t - sy->lo) / (sy->hi - sy->lo) * (sy->px1 - sy->px0);
        fprintf(f, "<path stroke=\"%s\" d=\"M", sy->ticks[i].minor ? "#f0f0f0" : "#dcdcdc");
        put_coord(f, left);
        fputc(' ', f);
        put_coord(f, y);
        fputs("H", f);
        put_coord(f, right);
        fputs("\"/>\n", f);
    }
    fputs("</g>\n", f);

    /* Ticks and their labels, outside the frame. */
    fputs("<g class=\"ticks\" stroke=\"#000000\">\n", f);
    for (size_t i = 0; i < sx->nticks; i++) {
        double x = sx->px0 + (sx->ticks[i].t - sx->lo) / (sx->hi - sx->lo) * (sx->px1 - sx->px0);
        fputs("<path d=\"M", f);
        put_coord(f, x);
        fputc(' ', f);
        put_coord(f, bottom);
        fprintf(f, "v%d\"/>\n", sx->ticks[i].minor ? 3 : 5);
    }
    for (size_t i = 0; i < sy->nticks; i++) {
        double y = sy->px0 + (sy->ticks[i].t - sy->lo) / (sy->hi - sy->lo) * (sy->px1 - sy->px0);
        fputs("<path d=\"M", f);
        put_coord(f, left);
        fputc(' ', f);
        put_coord(f, y);
        fprintf(f, "h-%d\"/>\n", sy->ticks[i].minor ? 3 : 5);
    }
    fputs("</g>\n<g class=\"tick-labels\" fill=\"#000000\">\n", f);
    for (size_t i = 0; i < sx->nticks; i++) {
        if (sx->ticks[i].label[0] == '\0')
            continue;
        double x = sx->px0 + (sx->ticks[i].t - sx->lo) / (sx->hi - sx->lo) * (sx->px1 - sx->px0);
        put_text_el(f, x, bottom + 19, "middle", NULL, sx->ticks[i].label);
    }
    for (size_t i = 0; i < sy->nticks; i++) {
        if (sy->ticks[i].label[0] == '\0')
            continue;
        double y = sy->px0 + (sy->ticks[i].t - sy->lo) / (sy->hi - sy->lo) * (sy->px1 - sy->px0);
        put_text_el(f, left - 8, y + 4, "end", NULL, sy->ticks[i].label);
    }
    fputs("</g>\n", f);
    {
        char extra[64];
        snprintf(extra, sizeof(extra), "font-size=\"%d\"", FONT_LABEL_PX);
        put_text_el(f, (left + right) / 2, bottom + 40, "middle", extra, title_x);
        double mid = (top + bottom) / 2;
        char rot[128], mid_s[48];
        fmt_coord(mid_s, sizeof(mid_s), mid);
        snprintf(rot, sizeof(rot), "font-size=\"%d\" transform=\"rotate(-90 18 %s)\"",
                 FONT_LABEL_PX, mid_s);
        put_text_el(f, 18, mid, "middle", rot, title_y);
    }

    /* The data, clipped to the plot so a caller's narrower range cuts it cleanly. */
    fprintf(f, "<g class=\"data\" clip-path=\"url(#%s-plot)\">\n", id);
    for (size_t i = 0; i < c->nseries; i++)
        put_series(f, &c->series[i], sx, sy);
    fputs("</g>\n", f);

    if (ref) {
        double y = ref_above ? top : scale_px(sy, c->ref_y);
        if (!ref_above) {
            fputs("<path class=\"ref\" d=\"M", f);
            put_coord(f, left);
            fputc(' ', f);
            put_coord(f, y);
            fputs("H", f);
            put_coord(f, right);
            fputs("\" stroke=\"#c00000\" stroke-width=\"1.5\" stroke-dasharray=\"12 6\"/>\n", f);
        }
        char label[sizeof(c->ref_label) + 32];
        snprintf(label, sizeof(label), "%s%s", c->ref_label,
                 ref_above ? " (above this chart)" : "");
        /* Above the line, or under the frame's top when the line is at or over it. */
        double ly = y - 5 < top + 14 ? y + 15 : y - 5;
        put_text_el(f, right - 6, ly, "end",
                    "fill=\"#c00000\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"",
                    label);
    }
    if (!have_data) {
        char extra[64];
        snprintf(extra, sizeof(extra), "font-size=\"%d\" fill=\"#555555\"", FONT_LABEL_PX);
        put_text_el(f, (left + right) / 2, (top + bottom) / 2, "middle", extra, "no data");
    }

    /* The frame on top of everything: the axes. */
    fputs("<rect class=\"plot\"", f);
    put_attr_num(f, "x", left);
    put_attr_num(f, "y", top);
    put_attr_num(f, "width", right - left);
    put_attr_num(f, "height", bottom - top);
    fputs(" fill=\"none\" stroke=\"#000000\"/>\n", f);

    if (c->nseries > 0) {
        fputs("<g class=\"legend\">\n", f);
        for (size_t i = 0; i < c->nseries; i++) {
            const struct rpt_series *s = &c->series[i];
            double x = left + ex[i], y = bottom + 62 + (double)erow[i] * LEGEND_ROW_PX;
            if (s->draw & RPT_DRAW_LINE) {
                fputs("<path d=\"M", f);
                put_coord(f, x);
                fputc(' ', f);
                put_coord(f, y - 4);
                fputs("h28\"", f);
                put_stroke(f, s->style);
                fputs("/>\n", f);
            }
            if (s->draw & RPT_DRAW_POINTS)
                put_marker(f, s->style, x + 14, y - 4);
            put_text_el(f, x + 34, y, NULL, NULL, s->name);
        }
        fputs("</g>\n", f);
    }
    fputs("</svg>\n", f);
    return ferror(f) ? -1 : 0;
}
