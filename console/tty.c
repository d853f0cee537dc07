/* console/tty.c: the one file that includes <curses.h>, and the only code that calls curses,
 * always from the drawing thread. It starts curses, turns keys into enum cons_key, draws a
 * screen model (render.c made it) cell by cell, and leaves curses again. It also fills the
 * crash rescue (console.h), so a signal handler can put the terminal back without curses. */
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "console/console_int.h"

struct cons_tty {
    SCREEN *scr;
    bool color;
    struct cons_rescue *rescue;
};

/* Semantic colour -> curses colour pair number (pair i is colour i); 0: the default. */
static void init_colors(void)
{
    start_color();
    use_default_colors();
    static const short fg[CONS_C__COUNT] = {
        [CONS_C_TITLE] = COLOR_CYAN, [CONS_C_GOOD] = COLOR_GREEN,  [CONS_C_WARN] = COLOR_YELLOW,
        [CONS_C_BAD] = COLOR_RED,    [CONS_C_SERVER] = COLOR_CYAN, [CONS_C_CLIENT] = COLOR_MAGENTA,
        [CONS_C_P99] = COLOR_YELLOW, [CONS_C_LABEL] = COLOR_BLUE,
    };
    for (short i = 1; i < CONS_C__COUNT && i < COLOR_PAIRS; i++)
        init_pair(i, fg[i], -1);
}

/* Appends a terminfo string capability to the rescue sequence. */
static void rescue_add(struct cons_rescue *r, const char *cap)
{
    const char *s = tigetstr(cap);
    if (!s || s == (const char *)-1)
        return;
    size_t n = strlen(s);
    if (r->seq_len + n < sizeof(r->seq)) {
        memcpy(r->seq + r->seq_len, s, n);
        r->seq_len += n;
    }
}

int cons_tty_open(bool color, struct cons_rescue *rescue, struct cons_tty **out, char *err,
                  size_t errlen)
{
    if (!isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "stdout is not a terminal (--frame prints one frame as text)");
        return -1;
    }
    struct termios saved;
    if (tcgetattr(STDOUT_FILENO, &saved) != 0) {
        snprintf(err, errlen, "cannot read the terminal's settings");
        return -1;
    }
    const char *term = getenv("TERM");
    if (!term || !*term) {
        snprintf(err, errlen, "TERM is not set");
        return -1;
    }
    struct cons_tty *t = calloc(1, sizeof(*t));
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fflush(stdout);
    t->scr = newterm(NULL, stdout, stdin);
    if (!t->scr) {
        snprintf(err, errlen, "cannot start curses on terminal type '%s'", term);
        free(t);
        return -1;
    }
    set_term(t->scr);
    cbreak(); /* Ctrl-C stays a signal, so it ends the console like SIGINT from elsewhere */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    /* Esc closes the form: wait 25 ms for the rest of an escape sequence, not curses' 1 s. */
    set_escdelay(25);
    t->color = color && has_colors();
    if (t->color)
        init_colors();
    if (rescue) {
        rescue->tty_fd = STDOUT_FILENO;
        rescue->saved = saved;
        rescue->seq_len = 0;
        rescue_add(rescue, "sgr0");
        rescue_add(rescue, "cnorm");
        rescue_add(rescue, "rmcup");
        if (rescue->seq_len + 2 < sizeof(rescue->seq)) {
            memcpy(rescue->seq + rescue->seq_len, "\r\n", 2);
            rescue->seq_len += 2;
        }
        rescue->armed = 1;
        t->rescue = rescue;
    }
    clearok(stdscr, TRUE);
    *out = t;
    return 0;
}

void cons_tty_size(struct cons_tty *t, int *width, int *height)
{
    (void)t;
    int h, w;
    getmaxyx(stdscr, h, w);
    *width = w;
    *height = h;
}

int cons_tty_key(struct cons_tty *t, int timeout_ms)
{
    (void)t;
    timeout(timeout_ms < 0 ? 0 : timeout_ms);
    wint_t wch = 0;
    int rc = wget_wch(stdscr, &wch);
    if (rc == ERR)
        return CONS_KEY_NONE;
    if (rc == KEY_CODE_YES) {
        switch (wch) {
        case KEY_UP:
            return CONS_KEY_UP;
        case KEY_DOWN:
            return CONS_KEY_DOWN;
        case KEY_LEFT:
            return CONS_KEY_LEFT;
        case KEY_RIGHT:
            return CONS_KEY_RIGHT;
        case KEY_BACKSPACE:
            return CONS_KEY_BACKSPACE;
        case KEY_DC:
            return CONS_KEY_DELETE;
        case KEY_HOME:
            return CONS_KEY_HOME;
        case KEY_END:
            return CONS_KEY_END;
        case KEY_BTAB:
            return CONS_KEY_BTAB;
        case KEY_ENTER:
            return CONS_KEY_ENTER;
        case KEY_RESIZE:
            return CONS_KEY_RESIZE;
        default:
            return CONS_KEY_NONE;
        }
    }
    switch (wch) {
    case '\r':
    case '\n':
        return CONS_KEY_ENTER;
    case 127:
    case 8:
        return CONS_KEY_BACKSPACE;
    case 27:
        return CONS_KEY_ESC;
    case '\t':
        return CONS_KEY_TAB;
    default:
        return (int)wch;
    }
}

static attr_t attr_of(const struct cons_tty *t, const struct cons_cell *c)
{
    attr_t a = A_NORMAL;
    if (c->attr & CONS_A_BOLD)
        a |= A_BOLD;
    if (c->attr & CONS_A_DIM)
        a |= A_DIM;
    if (c->attr & CONS_A_REVERSE)
        a |= A_REVERSE;
    if (c->attr & CONS_A_UNDERLINE)
        a |= A_UNDERLINE;
    /* Without colours an error must still stand out. */
    if (!t->color && c->color == CONS_C_BAD)
        a |= A_BOLD;
    return a;
}

void cons_tty_draw(struct cons_tty *t, const struct cons_screen *s)
{
    int h, w;
    getmaxyx(stdscr, h, w);
    for (int y = 0; y < s->height && y < h; y++)
        for (int x = 0; x < s->width && x < w; x++) {
            const struct cons_cell *c = &s->cells[(size_t)y * (size_t)s->width + (size_t)x];
            wchar_t wc[2] = {(wchar_t)c->ch, 0};
            cchar_t cc;
            short pair = t->color && c->color < CONS_C__COUNT ? (short)c->color : 0;
            setcchar(&cc, wc, attr_of(t, c), pair, NULL);
            mvadd_wch(y, x, &cc);
        }
    /* Whatever the model does not cover (a terminal larger than the frame) is blank. */
    for (int y = 0; y < h; y++)
        if (y >= s->height || s->width < w) {
            move(y, y >= s->height ? 0 : s->width);
            clrtoeol();
        }
    wnoutrefresh(stdscr);
    doupdate();
}

void cons_tty_close(struct cons_tty *t)
{
    if (!t)
        return;
    /* endwin leaves the cursor as it was: hidden since cons_tty_open. */
    curs_set(1);
    endwin();
    delscreen(t->scr);
    if (t->rescue)
        t->rescue->armed = 0;
    free(t);
}

void cons_rescue_now(struct cons_rescue *r)
{
    if (!r || !r->armed)
        return;
    r->armed = 0;
    size_t off = 0;
    while (off < r->seq_len) {
        ssize_t n = write(r->tty_fd, r->seq + off, r->seq_len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    tcsetattr(r->tty_fd, TCSANOW, &r->saved);
    if (r->stderr_fd >= 0)
        dup2(r->stderr_fd, STDERR_FILENO);
}
