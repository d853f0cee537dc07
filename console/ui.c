/* console/ui.c: the console's UI state and what each key does to it. Pure: a key in, the state
 * changed and an action out (quit, start or stop a load test, ask the store for a tier); the
 * loop in console.c carries the actions out. The tests drive it key by key. */
#include <stdio.h>
#include <string.h>

#include "console/console_int.h"

const char *const cons_preset_names[CONS_PRESET__COUNT] = {"ab-like", "wrk-like", "constant rate",
                                                           "scenario"};
const char *const cons_preset_defaults[CONS_PRESET__COUNT] = {
    "-n 10000 -c 50 -k",
    "-c 50 -d 10s",
    "-R 1000 -c 50 -d 10s",
    "examples/api-mix.json",
};

static const unsigned refresh_steps_ms[] = {250, 500, 1000, 2000, 5000};
#define NSTEPS (sizeof(refresh_steps_ms) / sizeof(refresh_steps_ms[0]))

unsigned cons_refresh_step(unsigned ms, bool up)
{
    if (up) {
        for (size_t i = 0; i < NSTEPS; i++)
            if (refresh_steps_ms[i] > ms)
                return refresh_steps_ms[i];
        return CONS_REFRESH_MAX_MS;
    }
    for (size_t i = NSTEPS; i-- > 0;)
        if (refresh_steps_ms[i] < ms)
            return refresh_steps_ms[i];
    return CONS_REFRESH_MIN_MS;
}

static void form_init(struct cons_form *f, const char *target)
{
    memset(f, 0, sizeof(*f));
    f->field = CONS_FIELD_OPTIONS;
    f->preset = CONS_PRESET_WRK;
    snprintf(f->target, sizeof(f->target), "%s", target ? target : "");
    snprintf(f->options, sizeof(f->options), "%s", cons_preset_defaults[f->preset]);
    snprintf(f->label, sizeof(f->label), "console");
}

void cons_ui_init(struct cons_ui *ui, unsigned refresh_ms, const char *target)
{
    memset(ui, 0, sizeof(*ui));
    if (refresh_ms == 0)
        refresh_ms = CONS_REFRESH_DEFAULT_MS;
    ui->refresh_ms = refresh_ms < CONS_REFRESH_MIN_MS   ? CONS_REFRESH_MIN_MS
                     : refresh_ms > CONS_REFRESH_MAX_MS ? CONS_REFRESH_MAX_MS
                                                        : refresh_ms;
    form_init(&ui->form, target);
}

/* Removes the last UTF-8 character of s. */
static void backspace(char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        n--;
        if (((unsigned char)s[n] & 0xc0) != 0x80)
            break;
    }
    s[n] = '\0';
}

/* Appends code point cp as UTF-8 when it fits. */
static void append(char *s, size_t cap, int cp)
{
    char enc[5] = {0};
    if (cp < 0x80) {
        enc[0] = (char)cp;
    } else if (cp < 0x800) {
        enc[0] = (char)(0xc0 | (cp >> 6));
        enc[1] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        enc[0] = (char)(0xe0 | (cp >> 12));
        enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        enc[2] = (char)(0x80 | (cp & 0x3f));
    } else {
        enc[0] = (char)(0xf0 | (cp >> 18));
        enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        enc[3] = (char)(0x80 | (cp & 0x3f));
    }
    size_t n = strlen(s), add = strlen(enc);
    if (n + add < cap)
        memcpy(s + n, enc, add + 1);
}

static bool is_text_key(int key)
{
    return key >= 0x20 && key != 0x7f && key < 0x110000;
}

static enum cons_action form_key(struct cons_ui *ui, int key)
{
    struct cons_form *f = &ui->form;
    char *text = NULL;
    size_t cap = 0;
    switch (f->field) {
    case CONS_FIELD_TARGET:
        text = f->target;
        cap = sizeof(f->target);
        break;
    case CONS_FIELD_OPTIONS:
        text = f->options;
        cap = sizeof(f->options);
        break;
    case CONS_FIELD_LABEL:
        text = f->label;
        cap = sizeof(f->label);
        break;
    default:
        break;
    }
    switch (key) {
    case CONS_KEY_ESC:
        ui->form_open = false;
        f->error[0] = '\0';
        return CONS_ACT_REDRAW;
    case CONS_KEY_ENTER:
    case '\r':
        return CONS_ACT_START;
    case CONS_KEY_TAB:
    case CONS_KEY_DOWN:
        f->field = (enum cons_form_field)((f->field + 1) % CONS_FIELD__COUNT);
        return CONS_ACT_REDRAW;
    case CONS_KEY_BTAB:
    case CONS_KEY_UP:
        f->field = (enum cons_form_field)((f->field + CONS_FIELD__COUNT - 1) % CONS_FIELD__COUNT);
        return CONS_ACT_REDRAW;
    default:
        break;
    }
    if (f->field == CONS_FIELD_PRESET) {
        int step = key == CONS_KEY_LEFT                  ? CONS_PRESET__COUNT - 1
                   : key == CONS_KEY_RIGHT || key == ' ' ? 1
                                                         : 0;
        if (!step)
            return CONS_ACT_NONE;
        f->preset = (enum cons_preset)((f->preset + step) % CONS_PRESET__COUNT);
        snprintf(f->options, sizeof(f->options), "%s", cons_preset_defaults[f->preset]);
        return CONS_ACT_REDRAW;
    }
    if (key == CONS_KEY_BACKSPACE) {
        backspace(text);
        return CONS_ACT_REDRAW;
    }
    if (is_text_key(key)) {
        append(text, cap, key);
        return CONS_ACT_REDRAW;
    }
    return CONS_ACT_NONE;
}

enum cons_action cons_ui_key(struct cons_ui *ui, int key, bool load_running)
{
    if (key == CONS_KEY_NONE)
        return CONS_ACT_NONE;
    if (key == CONS_KEY_RESIZE)
        return CONS_ACT_REDRAW;
    if (ui->form_open)
        return form_key(ui, key);
    if (ui->help) {
        /* Any key closes the help box; q still quits. */
        ui->help = false;
        return key == 'q' ? CONS_ACT_QUIT : CONS_ACT_REDRAW;
    }
    ui->notice[0] = '\0';
    /* In the tier view digits type the user count, so the views are on tab there. */
    if (ui->view == CONS_VIEW_TIER) {
        if (key >= '0' && key <= '9') {
            if (!(strlen(ui->tier_users) == 0 && key == '0'))
                append(ui->tier_users, 13, key);
            return CONS_ACT_TIER;
        }
        if (key == CONS_KEY_BACKSPACE) {
            backspace(ui->tier_users);
            return CONS_ACT_TIER;
        }
    }
    switch (key) {
    case 'q':
        return CONS_ACT_QUIT;
    case 'p':
        ui->paused = !ui->paused;
        return CONS_ACT_REDRAW;
    case '+':
    case '=':
    case '-':
        ui->refresh_ms = cons_refresh_step(ui->refresh_ms, key != '-');
        return CONS_ACT_REFRESH;
    case CONS_KEY_TAB:
        ui->view = (enum cons_view)((ui->view + 1) % CONS_VIEW__COUNT);
        return ui->view == CONS_VIEW_TIER ? CONS_ACT_TIER : CONS_ACT_REDRAW;
    case CONS_KEY_BTAB:
        ui->view = (enum cons_view)((ui->view + CONS_VIEW__COUNT - 1) % CONS_VIEW__COUNT);
        return ui->view == CONS_VIEW_TIER ? CONS_ACT_TIER : CONS_ACT_REDRAW;
    case '1':
    case '2':
    case '3':
    case '4':
        ui->view = (enum cons_view)(key - '1');
        return ui->view == CONS_VIEW_TIER ? CONS_ACT_TIER : CONS_ACT_REDRAW;
    case 'l':
        if (load_running) {
            snprintf(ui->notice, sizeof(ui->notice), "a load test is running: s stops it");
            return CONS_ACT_REDRAW;
        }
        ui->form_open = true;
        ui->form.error[0] = '\0';
        return CONS_ACT_REDRAW;
    case 's':
        if (!load_running) {
            snprintf(ui->notice, sizeof(ui->notice), "no load test is running: l starts one");
            return CONS_ACT_REDRAW;
        }
        return CONS_ACT_STOP;
    case 'h':
    case '?':
        ui->help = true;
        return CONS_ACT_REDRAW;
    case 'L':
        ui->log_scale = !ui->log_scale;
        return CONS_ACT_REDRAW;
    default:
        return CONS_ACT_NONE;
    }
}
