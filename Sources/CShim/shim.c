#define _GNU_SOURCE
#include "CShim.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

sem_t *mist_sem_open(const char *name, int oflag, unsigned int mode, unsigned int value) {
    sem_t *sem;
    if (oflag & O_CREAT) {
        sem = sem_open(name, oflag, (mode_t)mode, value);
    } else {
        sem = sem_open(name, oflag);
    }
    return sem == SEM_FAILED ? NULL : sem;
}

int mist_wifexited(int status) { return WIFEXITED(status); }
int mist_wexitstatus(int status) { return WEXITSTATUS(status); }
int mist_wifsignaled(int status) { return WIFSIGNALED(status); }
int mist_wtermsig(int status) { return WTERMSIG(status); }

const char *mist_program_short_name(void) { return program_invocation_short_name; }

int mist_set_thread_name(const char *name) {
    char buf[16];
    strncpy(buf, name, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    return pthread_setname_np(pthread_self(), buf);
}

void mist_fence_release(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
void mist_fence_acquire(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }

int mist_spawn_close_from(posix_spawn_file_actions_t *actions, int low) {
    return posix_spawn_file_actions_addclosefrom_np(actions, low);
}

int mist_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
