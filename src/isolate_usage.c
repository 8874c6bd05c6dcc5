/* SPDX-License-Identifier: Apache-2.0 */
/* isolate_usage: isolate 1.10.1's usage text, byte for byte as isolate
 * prints it on stdout after a usage error (the recorded cases of
 * tests/isolate hold it): judges and scripts that show or match it see the
 * text they know. Options rustbox adds or treats differently are in the man
 * page and README, not here. */
#include "cli.h"

#include <stdio.h>

/* clang-format off: the text is isolate's, line for line */
static const char isolate_usage_text[] =
    "Usage: isolate [<options>] <command>\n"
    "\n"
    "Options:\n"
    "-b, --box-id=<id>\tWhen multiple sandboxes are used in parallel, each must get a unique ID\n"
    "    --cg\t\tEnable use of control groups\n"
    "    --cg-mem=<size>\tLimit memory usage of the control group to <size> KB\n"
    "    --cg-timing\t\tTime limits affects total run time of the control group\n"
    "\t\t\t(this is turned on by default, use --no-cg-timing to turn off)\n"
    "-c, --chdir=<dir>\tChange directory to <dir> before executing the program\n"
    "    --core=<size>\tLimit core files to <size> KB (default: 0)\n"
    "-d, --dir=<dir>\t\tMake a directory <dir> visible inside the sandbox\n"
    "    --dir=<in>=<out>\tMake a directory <out> outside visible as <in> inside\n"
    "    --dir=<in>=\t\tDelete a previously defined directory rule (even a default one)\n"
    "    --dir=...:<opt>\tSpecify options for a rule:\n"
    "\t\t\t\tdev\tAllow access to block/char devices\n"
    "\t\t\t\tfs\tMount a filesystem (e.g., --dir=/proc:proc:fs)\n"
    "\t\t\t\tmaybe\tSkip the rule if <out> does not exist\n"
    "\t\t\t\tnoexec\tDo not allow execution of binaries\n"
    "\t\t\t\trw\tAllow read-write access\n"
    "\t\t\t\ttmp\tCreate as a temporary directory (implies rw)\n"
    "-D, --no-default-dirs\tDo not add default directory rules\n"
    "-f, --fsize=<size>\tMax size (in KB) of files that can be created\n"
    "-E, --env=<var>\t\tInherit the environment variable <var> from the parent process\n"
    "-E, --env=<var>=<val>\tSet the environment variable <var> to <val>; unset it if <var> is empty\n"
    "-x, --extra-time=<time>\tSet extra timeout, before which a timing-out program is not yet killed,\n"
    "\t\t\tso that its real execution time is reported (seconds, fractions allowed)\n"
    "-e, --full-env\t\tInherit full environment of the parent process\n"
    "    --inherit-fds\tInherit all file descriptors of the parent process\n"
    "-m, --mem=<size>\tLimit address space to <size> KB\n"
    "-M, --meta=<file>\tOutput process information to <file> (name:value)\n"
    "-n, --open-files=<max>\tLimit number of open files to <max> (default: 64, 0=unlimited)\n"
    "-q, --quota=<blk>,<ino>\tSet disk quota to <blk> blocks and <ino> inodes\n"
    "    --share-net\t\tShare network namespace with the parent process\n"
    "-s, --silent\t\tDo not print status messages except for fatal errors\n"
    "    --special-files\tKeep non-regular files (symlinks etc.) produced inside sandbox\n"
    "-k, --stack=<size>\tLimit stack size to <size> KB (default: 0=unlimited)\n"
    "-r, --stderr=<file>\tRedirect stderr to <file>\n"
    "    --stderr-to-stdout\tRedirect stderr to stdout\n"
    "-i, --stdin=<file>\tRedirect stdin from <file>\n"
    "-o, --stdout=<file>\tRedirect stdout to <file>\n"
    "-p, --processes[=<max>]\tEnable multiple processes (at most <max> of them); needs --cg\n"
    "-t, --time=<time>\tSet run time limit (seconds, fractions allowed)\n"
    "    --tty-hack\t\tAllow interactive programs in the sandbox (see man for caveats)\n"
    "-v, --verbose\t\tBe verbose (use multiple times for even more verbosity)\n"
    "-w, --wall-time=<time>\tSet wall clock time limit (seconds, fractions allowed)\n"
    "\n"
    "Commands:\n"
    "    --init\t\tInitialize sandbox (and its control group when --cg is used)\n"
    "    --run -- <cmd> ...\tRun given command within sandbox\n"
    "    --cleanup\t\tClean up sandbox\n"
    "    --version\t\tDisplay program version and configuration\n";
/* clang-format on */

void isolate_usage(void)
{
    fputs(isolate_usage_text, stdout);
}
