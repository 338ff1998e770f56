// GNU readline for dyson's REPL. Readline's globals are set through these small
// helpers so that Swift 6 code never touches mutable C globals directly.
#ifndef DYSON_CREADLINE_SHIM_H
#define DYSON_CREADLINE_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <readline/readline.h>
#include <readline/history.h>

typedef char **(*dyson_completer)(const char *text, int start, int end);

static inline void dyson_rl_set_completer(dyson_completer f) {
    rl_attempted_completion_function = f;
    rl_basic_word_break_characters = " \t";
}

/// No filename completion when dyson has no candidates.
static inline void dyson_rl_no_fallback(void) { rl_attempted_completion_over = 1; }

/// The character appended after a unique completion (0: none, for "lr=").
static inline void dyson_rl_append_character(int c) { rl_completion_append_character = c; }

static inline const char *dyson_rl_line_buffer(void) { return rl_line_buffer; }

/// Whether readline is reading a line right now (Ctrl-C then clears the line).
static inline int dyson_rl_is_reading(void) { return (rl_readline_state & RL_STATE_READCMD) != 0; }

/// Ctrl-C while typing: drop the line and show a fresh prompt.
static inline void dyson_rl_clear_line(void) {
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}

static inline void dyson_rl_set_name(const char *name) { rl_readline_name = name; }

#endif
