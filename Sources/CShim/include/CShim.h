#ifndef MISTSWIFT_CSHIM_H
#define MISTSWIFT_CSHIM_H
#include <semaphore.h>
#include <stdint.h>
#include <sys/types.h>

/// Opens (and with O_CREAT creates) a named POSIX semaphore.
/// sem_open is variadic, which Swift cannot call with the mode and value arguments.
/// Returns NULL on failure (errno is set), never SEM_FAILED.
sem_t *mist_sem_open(const char *name, int oflag, unsigned int mode, unsigned int value);

/// Decoders for the status word waitpid() returns (macros in C).
#include <spawn.h>

/// Closes every descriptor from `low` up in the spawned child (glibc 2.34+), so a child gets
/// only the descriptors its file actions give it.
int mist_spawn_close_from(posix_spawn_file_actions_t *actions, int low);
/// pipe2(fds, O_CLOEXEC): a pipe neither end of which a spawned child inherits unless dup2'd.
int mist_pipe_cloexec(int fds[2]);

int mist_wifexited(int status);
int mist_wexitstatus(int status);
int mist_wifsignaled(int status);
int mist_wtermsig(int status);

/// The name the process was started as (glibc's program_invocation_short_name).
const char *mist_program_short_name(void);

/// Sets the calling thread's name as debuggers and top show it (at most 15 bytes are kept).
int mist_set_thread_name(const char *name);

/// Memory fences for data shared between processes: a writer fills a record, then publishes it
/// with a release fence before the store readers check; readers fence with acquire after it.
void mist_fence_release(void);
void mist_fence_acquire(void);
#endif
