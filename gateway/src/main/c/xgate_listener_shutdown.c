/*
 * SIGTERM, nginx's fast shutdown, must stop the gateway from accepting at once. The JVM runs Java signal handlers
 * on a thread it creates per signal, which on a busy machine starts milliseconds late; this handler runs in the
 * thread the kernel delivers the signal to and shuts the listening sockets down (shutdown(2) is
 * async-signal-safe), then hands the signal on to the JVM's own handler, so the Java handler still runs and
 * finishes the shutdown (logs flushed, pid file removed).
 *
 * Built by the gateway's pom when a C compiler is present (profile "native-listener-shutdown"); without it the
 * Java handler alone closes the listeners. See io.xgate.gateway.http.NativeListenerShutdown.
 */
#include <dirent.h>
#include <jni.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdint.h>

#define MAX_LISTENERS 1024

static int listener_fds[MAX_LISTENERS];
static volatile sig_atomic_t listener_count;
static struct sigaction jvm_action;
static volatile sig_atomic_t installed;

static void on_sigterm(int sig, siginfo_t *info, void *context) {
  int n = listener_count;
  for (int i = 0; i < n; i++) {
    shutdown(listener_fds[i], SHUT_RDWR);
  }
  if (jvm_action.sa_flags & SA_SIGINFO) {
    if (jvm_action.sa_sigaction != NULL) {
      jvm_action.sa_sigaction(sig, info, context);
    }
  } else if (jvm_action.sa_handler != SIG_DFL && jvm_action.sa_handler != SIG_IGN) {
    jvm_action.sa_handler(sig);
  } else if (jvm_action.sa_handler == SIG_DFL) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
}

/*
 * The kernel hands SIGTERM to the JVM's main thread, which is asleep; when it wakes on a CPU where a JIT compiler
 * thread is busy, the scheduler may let the compiler finish its slice first (a millisecond or more). Compiler
 * threads at a lower priority give way at once. (New compiler threads inherit the priority of the compiler thread
 * that starts them.) Raising one's own threads' nice value needs no privilege.
 */
static void lower_jit_priority(void) {
  DIR *tasks = opendir("/proc/self/task");
  if (tasks == NULL) {
    return;
  }
  struct dirent *entry;
  while ((entry = readdir(tasks)) != NULL) {
    if (entry->d_name[0] == '.') {
      continue;
    }
    char path[300];
    char name[32] = {0};
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
    FILE *comm = fopen(path, "r");
    if (comm == NULL) {
      continue;
    }
    if (fgets(name, sizeof name, comm) != NULL
        && (strncmp(name, "C1 CompilerThre", 15) == 0 || strncmp(name, "C2 CompilerThre", 15) == 0)) {
      setpriority(PRIO_PROCESS, (id_t) atoi(entry->d_name), 10);
    }
    fclose(comm);
  }
  closedir(tasks);
}

/*
 * The kernel hands a process-wide signal to the main thread (the launcher's, asleep in pthread_join for the
 * process's life).
 * Linux 6.6+ (EEVDF) lets a running task finish its slice before a woken one of the same slice runs, which here
 * delays the handler by up to a slice (milliseconds); a task with a shorter slice preempts at once (Linux 6.12+
 * reads it from sched_attr.sched_runtime). The main thread sleeps otherwise, so its short slice costs nothing.
 * Older kernels reject or ignore the request.
 */
struct xgate_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

static void shorten_main_thread_slice(void) {
  /*
   * Where allowed (CAP_SYS_NICE), the lowest real-time priority: the thread then runs the moment the signal wakes
   * it, whatever else keeps the CPUs busy. It only ever runs this handler (microseconds), so it cannot starve
   * anything. Otherwise, the short fair-class slice below.
   */
  struct sched_param realtime = {.sched_priority = 1};
  if (sched_setscheduler(getpid(), SCHED_FIFO, &realtime) == 0) {
    return;
  }
#ifdef SYS_sched_setattr
  struct xgate_sched_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.sched_policy = 0;                 /* SCHED_OTHER */
  attr.sched_nice = getpriority(PRIO_PROCESS, (id_t) getpid());
  attr.sched_runtime = 100 * 1000;       /* 0.1 ms, the shortest slice Linux accepts */
  syscall(SYS_sched_setattr, getpid(), &attr, 0);
#endif
}

/*
 * Replaces the listening descriptors; the first call installs the handler in front of the JVM's and lowers the
 * JIT compiler threads' priority.
 */
JNIEXPORT jboolean JNICALL Java_io_xgate_gateway_http_NativeListenerShutdown_arm0(JNIEnv *env, jclass cls,
    jintArray fds) {
  jsize n = (*env)->GetArrayLength(env, fds);
  if (n > MAX_LISTENERS) {
    n = MAX_LISTENERS;
  }
  jint *values = (*env)->GetIntArrayElements(env, fds, NULL);
  if (values == NULL) {
    return JNI_FALSE;
  }
  listener_count = 0;   /* a signal arriving meanwhile sees no descriptor rather than a half-written list */
  for (jsize i = 0; i < n; i++) {
    listener_fds[i] = values[i];
  }
  listener_count = n;
  (*env)->ReleaseIntArrayElements(env, fds, values, JNI_ABORT);
  if (!installed) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigterm;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGTERM, &action, &jvm_action) != 0) {
      return JNI_FALSE;
    }
    installed = 1;
    lower_jit_priority();
    shorten_main_thread_slice();
  }
  return JNI_TRUE;
}
