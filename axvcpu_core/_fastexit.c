/* axvcpu_core._fastexit: native Unicorn hooks for the hot exit paths (see fastexit.py).
 *
 * A `FastExits` object owns the INTR and device-window memory hooks of one Unicorn instance. Each
 * hook first tries to complete the exit natively:
 *   - a call exit (ecall/hvc/vmcall): the registers match the plugin's call rule -> the VMM's
 *     hypercall handler(nr, args...) -> its result into the return register;
 *   - a device-window access whose instruction the plugin's pure decoder has already decoded (an
 *     entry remembered for this reported PC, address and direction, still valid: same instruction
 *     bytes, same address operand, guest translation off) -> the VMM's MMIO handler; a read's value
 *     is put into the shadow page before the guest's load executes.
 * Anything else, and every exit once the VMM's budget is spent, goes to the Python fallback with
 * the arguments Unicorn's binding would pass. An exception raised by Python is stored on the Uc
 * object (`_hook_exception`) and emulation stopped, exactly as the binding does.
 *
 * Kicks (unicorn 2.1.4, measured): a stop request is taken right after the next hooked load or
 * store, and the PC is left on that instruction, so it runs again, hook included, on the next
 * emu_start. A stop requested before or during an access's hook, or in the short tail after it
 * (the rest of the access, in Unicorn), would repeat a device access. So every stop of a running
 * instance goes through `kick()`: under `stop_lock` it marks a kick pending. It calls uc_emu_stop
 * at once when the instance is inside emu_start and no load or store can be in flight (no memory
 * hook since the run began or since the last INTR hook); after a memory hook it first waits until
 * the CPU thread has run PROGRESS_NS of CPU time (so the access's tail is over: a thread preempted
 * in a tail makes no progress) or sleeps (per /proc: a tail never sleeps), at most 5 s. Outside
 * emu_start it only marks the kick. A memory hook that finds a kick pending does nothing but
 * request the stop: the access runs again after the restart, with its effects. A kick that arrives
 * while a memory hook runs is taken at the next hook (memory: as above; INTR: after it, where
 * stopping is safe) or by kick()'s own wait.
 *
 * No Unicorn headers are needed: the few entry points are passed in as addresses (bind_library).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <pthread.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

typedef int (*uc_hook_add_t)(void *, size_t *, int, void *, void *, uint64_t, uint64_t, ...);
typedef int (*uc_hook_del_t)(void *, size_t);
typedef int (*uc_reg_read_t)(void *, int, void *);
typedef int (*uc_reg_write_t)(void *, int, const void *);
typedef int (*uc_reg_read_batch_t)(void *, int *, void **, int);
typedef int (*uc_mem_read_t)(void *, uint64_t, void *, size_t);
typedef int (*uc_mem_write_t)(void *, uint64_t, const void *, size_t);
typedef int (*uc_emu_stop_t)(void *);

static uc_hook_add_t uc_hook_add_fn;
static uc_hook_del_t uc_hook_del_fn;
static uc_reg_read_t uc_reg_read_fn;
static uc_reg_write_t uc_reg_write_fn;
static uc_reg_read_batch_t uc_reg_read_batch_fn;
static uc_mem_read_t uc_mem_read_fn;
static uc_mem_write_t uc_mem_write_fn;
static uc_emu_stop_t uc_emu_stop_fn;

#define UC_HOOK_INTR 1
#define UC_HOOK_MEM_READ (1 << 10)
#define UC_HOOK_MEM_WRITE (1 << 11)
#define UC_MEM_READ 16
#define UC_MEM_WRITE 17

#define MAX_HOOKS 64
#define MAX_GUARDS 4
#define MAX_ARGS 6
#define CACHE_SLOTS 1024
#define CACHE_PROBES 8
#define COUNT_READ 0
#define COUNT_WRITE 1
#define COUNT_CALL 2
#define PROGRESS_NS 2000
#define KICK_POLL_NS 20000
#define KICK_WAIT_NS 5000000000ULL

typedef struct {
    int used;
    uint64_t reported_pc, address;
    int is_write;
    uint64_t insn_pc;
    unsigned char insn[4];
    int insn_len;
    int base_id;
    uint64_t offset;
    int width;
} access_entry;

typedef struct {
    PyObject_HEAD
    void *uc;
    PyObject *uc_obj;
    PyObject *intr_fallback, *read_fallback, *write_fallback;
    PyObject *on_mmio_read, *on_mmio_write, *on_call;
    long long budget;
    unsigned long long counts[3];
    size_t hooks[MAX_HOOKS];
    int nhooks;
    /* call rule */
    int has_rule;
    uint32_t rule_intno;
    int rule_nregs;                   /* guards, then nr, then args */
    int rule_ids[MAX_GUARDS + 1 + MAX_ARGS];
    uint64_t rule_values[MAX_GUARDS]; /* expected guard values */
    int rule_nguards, rule_nargs, rule_ret_id;
    /* access cache */
    int pc_id;
    int translation_id;
    uint64_t translation_mask;
    int has_cache;
    access_entry cache[CACHE_SLOTS];
    /* kicks */
    pthread_mutex_t stop_lock;
    int lock_ready;
    int in_mem_hook;
    int after_mem_hook; /* a memory hook ran since the run began or the last INTR hook */
    int running;        /* inside emu_start (set by the caller around it) */
    int kick_pending;
    int has_cpu_thread;
    pthread_t cpu_thread;   /* the thread that ran the last memory hook */
    clockid_t cpu_clock;    /* its CPU-time clock (reading it after the thread ended just fails) */
    long cpu_tid;           /* its kernel thread id (for its scheduler state) */
} FastExits;

/* ---- helpers ---------------------------------------------------------------------------------- */

static void stop_with_exception(FastExits *self) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) PyException_SetTraceback(value, tb);
    PyObject *current = PyObject_GetAttrString(self->uc_obj, "_hook_exception");
    if (current == Py_None && value != NULL) {
        if (PyObject_SetAttrString(self->uc_obj, "_hook_exception", value) < 0) PyErr_Clear();
    }
    PyErr_Clear();
    Py_XDECREF(current);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    uc_emu_stop_fn(self->uc);
}

/* Call a Python callable; on an exception, stop emulation with it. Returns a new reference or NULL. */
static PyObject *call(FastExits *self, PyObject *callable, PyObject *const *args, size_t nargs) {
    PyObject *result = PyObject_Vectorcall(callable, args, nargs, NULL);
    if (result == NULL) stop_with_exception(self);
    return result;
}

static int count_exit(FastExits *self, int which) {
    self->counts[which]++;
    self->budget--;
    return 1;
}

static size_t slot_of(uint64_t pc, uint64_t address, int is_write) {
    uint64_t h = pc * 0x9E3779B97F4A7C15ULL ^ address * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)is_write;
    return (size_t)(h >> 48) & (CACHE_SLOTS - 1);
}

static int same_key(const access_entry *entry, uint64_t pc, uint64_t address, int is_write) {
    return entry->used && entry->reported_pc == pc && entry->address == address && entry->is_write == is_write;
}

/* The entry of a key (linear probing over CACHE_PROBES slots), or NULL. */
static access_entry *find_entry(FastExits *self, uint64_t pc, uint64_t address, int is_write) {
    size_t first = slot_of(pc, address, is_write);
    for (size_t i = 0; i < CACHE_PROBES; i++) {
        access_entry *entry = &self->cache[(first + i) & (CACHE_SLOTS - 1)];
        if (same_key(entry, pc, address, is_write)) return entry;
        if (!entry->used) return NULL;
    }
    return NULL;
}

/* Where to store a key: its entry, else the first free slot, else the first slot of its run. */
static access_entry *place_entry(FastExits *self, uint64_t pc, uint64_t address, int is_write) {
    size_t first = slot_of(pc, address, is_write);
    for (size_t i = 0; i < CACHE_PROBES; i++) {
        access_entry *entry = &self->cache[(first + i) & (CACHE_SLOTS - 1)];
        if (!entry->used || same_key(entry, pc, address, is_write)) return entry;
    }
    return &self->cache[first];
}

/* ---- the call rule (INTR) --------------------------------------------------------------------- */

static int try_call(FastExits *self, void *uc, uint32_t intno) {
    if (!self->has_rule || self->on_call == NULL || self->budget <= 0 || intno != self->rule_intno) return 0;
    uint64_t values[MAX_GUARDS + 1 + MAX_ARGS];
    void *ptrs[MAX_GUARDS + 1 + MAX_ARGS];
    for (int i = 0; i < self->rule_nregs; i++) ptrs[i] = &values[i];
    if (uc_reg_read_batch_fn(uc, self->rule_ids, ptrs, self->rule_nregs) != 0) return 0;
    for (int i = 0; i < self->rule_nguards; i++)
        if (values[i] != self->rule_values[i]) return 0;
    PyObject *args[1 + MAX_ARGS];
    int n = 1 + self->rule_nargs;
    for (int i = 0; i < n; i++) {
        args[i] = PyLong_FromUnsignedLongLong(values[self->rule_nguards + i]);
        if (args[i] == NULL) {
            for (int j = 0; j < i; j++) Py_DECREF(args[j]);
            stop_with_exception(self);
            return 1;
        }
    }
    PyObject *result = call(self, self->on_call, args, (size_t)n);
    for (int i = 0; i < n; i++) Py_DECREF(args[i]);
    if (result == NULL) return 1;
    uint64_t ret = PyLong_AsUnsignedLongLongMask(result);
    Py_DECREF(result);
    if (ret == (uint64_t)-1 && PyErr_Occurred()) {
        stop_with_exception(self);
        return 1;
    }
    uc_reg_write_fn(uc, self->rule_ret_id, &ret);
    return count_exit(self, COUNT_CALL);
}

/* ---- the kick protocol (see the top of the file) ----------------------------------------------- */

/* Take a pending kick now: request the stop (safe at this point) and clear the mark. Lock held. */
static int take_kick_locked(FastExits *self, void *uc) {
    if (!self->kick_pending) return 0;
    self->kick_pending = 0;
    uc_emu_stop_fn(uc);
    return 1;
}

/* At a memory hook's entry: 0 when a kick is pending (the stop is requested, the access skipped). */
static int enter_mem_hook(FastExits *self, void *uc) {
    pthread_mutex_lock(&self->stop_lock);
    int skip = take_kick_locked(self, uc);
    if (!skip) {
        self->in_mem_hook = 1;
        pthread_t me = pthread_self();
        if (!self->has_cpu_thread || !pthread_equal(me, self->cpu_thread)) {
            self->has_cpu_thread = pthread_getcpuclockid(me, &self->cpu_clock) == 0;
            self->cpu_thread = me;
            self->cpu_tid = (long)syscall(SYS_gettid);
        }
    }
    pthread_mutex_unlock(&self->stop_lock);
    return !skip;
}

static int cpu_thread_is_self(FastExits *self) {
    return self->has_cpu_thread && pthread_equal(self->cpu_thread, pthread_self());
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void leave_mem_hook(FastExits *self) {
    pthread_mutex_lock(&self->stop_lock);
    self->in_mem_hook = 0;
    self->after_mem_hook = 1;
    pthread_mutex_unlock(&self->stop_lock);
}

/* CPU time the CPU thread has used, in ns (0 if it cannot be read: then progress is assumed). */
static uint64_t cpu_thread_ns(FastExits *self) {
    struct timespec t;
    if (!self->has_cpu_thread || clock_gettime(self->cpu_clock, &t) != 0) return 0;
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* Whether the CPU thread sleeps (Linux /proc state S, D, T, t): the tail of an access never
 * sleeps, so a sleeping thread is not in one. 0 when unknown. */
static int cpu_thread_sleeps(FastExits *self) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", self->cpu_tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *end = strrchr(buf, ')');
    if (end == NULL || end[1] != ' ') return 0;
    char state = end[2];
    return state == 'S' || state == 'D' || state == 'T' || state == 't';
}

static void sleep_ns(long ns) {
    struct timespec t = {0, ns};
    nanosleep(&t, NULL);
}

/* kick() with the lock held: wait until stopping is safe or a hook took the kick. */
static void kick_locked(FastExits *self) {
    self->kick_pending = 1;
    uint64_t first_cpu = cpu_thread_ns(self), started = now_ns();
    for (;;) {
        if (self->in_mem_hook || !self->kick_pending || !self->running) return; /* taken later */
        uint64_t cpu = cpu_thread_ns(self);
        if (!self->after_mem_hook || first_cpu == 0 || cpu - first_cpu >= PROGRESS_NS ||
            cpu_thread_is_self(self) || cpu_thread_sleeps(self) || now_ns() - started >= KICK_WAIT_NS) {
            uc_emu_stop_fn(self->uc);
            return;
        }
        pthread_mutex_unlock(&self->stop_lock);
        sleep_ns(KICK_POLL_NS);
        pthread_mutex_lock(&self->stop_lock);
    }
}

static void on_intr(void *uc, uint32_t intno, void *user_data) {
    FastExits *self = (FastExits *)user_data;
    pthread_mutex_lock(&self->stop_lock);
    self->after_mem_hook = 0; /* the last access has retired; stopping in an INTR hook is safe */
    pthread_mutex_unlock(&self->stop_lock);
    PyGILState_STATE gil = PyGILState_Ensure();
    if (!try_call(self, uc, intno)) {
        PyObject *args[3] = {self->uc_obj, NULL, Py_None};
        args[1] = PyLong_FromUnsignedLong(intno);
        if (args[1] == NULL) {
            stop_with_exception(self);
        } else {
            PyObject *result = call(self, self->intr_fallback, args, 3);
            Py_XDECREF(result);
            Py_DECREF(args[1]);
        }
    }
    PyGILState_Release(gil);
    pthread_mutex_lock(&self->stop_lock);
    take_kick_locked(self, uc); /* stopping after an INTR hook is safe: the PC is past the instruction */
    pthread_mutex_unlock(&self->stop_lock);
}

/* ---- device-window accesses ------------------------------------------------------------------- */

static access_entry *valid_entry(FastExits *self, void *uc, uint64_t address, int is_write, int size) {
    if (!self->has_cache || self->budget <= 0) return NULL;
    if ((is_write ? self->on_mmio_write : self->on_mmio_read) == NULL) return NULL;
    int ids[2] = {self->pc_id, self->translation_id};
    uint64_t values[2];
    void *ptrs[2] = {&values[0], &values[1]};
    if (uc_reg_read_batch_fn(uc, ids, ptrs, 2) != 0) return NULL;
    if (values[1] & self->translation_mask) return NULL;
    access_entry *entry = find_entry(self, values[0], address, is_write);
    if (entry == NULL || entry->width != size) return NULL;
    unsigned char now[4];
    if (uc_mem_read_fn(uc, entry->insn_pc, now, (size_t)entry->insn_len) != 0) return NULL;
    if (memcmp(now, entry->insn, (size_t)entry->insn_len) != 0) return NULL;
    uint64_t base = 0;
    if (uc_reg_read_fn(uc, entry->base_id, &base) != 0) return NULL;
    if (base + entry->offset != address) return NULL;
    return entry;
}

static int try_write(FastExits *self, void *uc, uint64_t address, int size, int64_t value) {
    access_entry *entry = valid_entry(self, uc, address, 1, size);
    if (entry == NULL) return 0;
    uint64_t data = (uint64_t)value;
    if (size < 8) data &= (1ULL << (8 * size)) - 1;
    PyObject *args[3];
    args[0] = PyLong_FromUnsignedLongLong(address);
    args[1] = PyLong_FromLong(size);
    args[2] = PyLong_FromUnsignedLongLong(data);
    if (args[0] == NULL || args[1] == NULL || args[2] == NULL) {
        for (int i = 0; i < 3; i++) Py_XDECREF(args[i]);
        stop_with_exception(self);
        return 1;
    }
    PyObject *result = call(self, self->on_mmio_write, args, 3);
    for (int i = 0; i < 3; i++) Py_DECREF(args[i]);
    if (result == NULL) return 1;
    Py_DECREF(result);
    return count_exit(self, COUNT_WRITE);
}

static int try_read(FastExits *self, void *uc, uint64_t address, int size) {
    access_entry *entry = valid_entry(self, uc, address, 0, size);
    if (entry == NULL) return 0;
    PyObject *args[2];
    args[0] = PyLong_FromUnsignedLongLong(address);
    args[1] = PyLong_FromLong(size);
    if (args[0] == NULL || args[1] == NULL) {
        Py_XDECREF(args[0]);
        Py_XDECREF(args[1]);
        stop_with_exception(self);
        return 1;
    }
    PyObject *result = call(self, self->on_mmio_read, args, 2);
    Py_DECREF(args[0]);
    Py_DECREF(args[1]);
    if (result == NULL) return 1;
    uint64_t data = PyLong_AsUnsignedLongLongMask(result);
    Py_DECREF(result);
    if (data == (uint64_t)-1 && PyErr_Occurred()) {
        stop_with_exception(self);
        return 1;
    }
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++) bytes[i] = (unsigned char)(data >> (8 * i));
    uc_mem_write_fn(uc, address, bytes, (size_t)size);
    return count_exit(self, COUNT_READ);
}

static void on_mem(void *uc, int type, uint64_t address, int size, int64_t value, void *user_data) {
    FastExits *self = (FastExits *)user_data;
    int is_write = type == UC_MEM_WRITE;
    if (!enter_mem_hook(self, uc)) return;
    PyGILState_STATE gil = PyGILState_Ensure();
    int done = is_write ? try_write(self, uc, address, size, value) : try_read(self, uc, address, size);
    if (!done) {
        PyObject *args[6] = {self->uc_obj, NULL, NULL, NULL, NULL, Py_None};
        args[1] = PyLong_FromLong(type);
        args[2] = PyLong_FromUnsignedLongLong(address);
        args[3] = PyLong_FromLong(size);
        args[4] = PyLong_FromLongLong(value);
        if (args[1] == NULL || args[2] == NULL || args[3] == NULL || args[4] == NULL) {
            stop_with_exception(self);
        } else {
            PyObject *result = call(self, is_write ? self->write_fallback : self->read_fallback, args, 6);
            Py_XDECREF(result);
        }
        for (int i = 1; i < 5; i++) Py_XDECREF(args[i]);
    }
    PyGILState_Release(gil);
    leave_mem_hook(self);
}

/* ---- the type --------------------------------------------------------------------------------- */

static int ready(void) {
    if (uc_hook_add_fn == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "bind_library() has not been called");
        return 0;
    }
    return 1;
}

static int add_hook(FastExits *self, int type, void *callback, uint64_t begin, uint64_t end) {
    if (self->nhooks >= MAX_HOOKS) {
        PyErr_SetString(PyExc_OverflowError, "too many native hooks on one Unicorn instance");
        return 0;
    }
    int err = uc_hook_add_fn(self->uc, &self->hooks[self->nhooks], type, callback, (void *)self, begin, end);
    if (err != 0) {
        PyErr_Format(PyExc_RuntimeError, "uc_hook_add failed with Unicorn error %d", err);
        return 0;
    }
    self->nhooks++;
    return 1;
}

static int FastExits_init(FastExits *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"uc", "handle", "pc_id", NULL};
    PyObject *uc_obj;
    unsigned long long handle;
    int pc_id;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OKi", kwlist, &uc_obj, &handle, &pc_id)) return -1;
    if (!ready()) return -1;
    if (self->uc_obj != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "FastExits is already initialised");
        return -1;
    }
    if (pthread_mutex_init(&self->stop_lock, NULL) != 0) {
        PyErr_SetString(PyExc_RuntimeError, "cannot create the kick lock");
        return -1;
    }
    self->lock_ready = 1;
    Py_INCREF(uc_obj);
    self->uc_obj = uc_obj;
    self->uc = (void *)(uintptr_t)handle;
    self->pc_id = pc_id;
    return 0;
}

static int FastExits_traverse(FastExits *self, visitproc visit, void *arg) {
    Py_VISIT(self->uc_obj);
    Py_VISIT(self->intr_fallback);
    Py_VISIT(self->read_fallback);
    Py_VISIT(self->write_fallback);
    Py_VISIT(self->on_mmio_read);
    Py_VISIT(self->on_mmio_write);
    Py_VISIT(self->on_call);
    return 0;
}

/* True while the Uc's handle is open: the binding closes it from a weakref.finalize, which the
 * garbage collector may run before it clears this object. */
static int uc_is_open(FastExits *self) {
    if (self->uc == NULL || self->uc_obj == NULL) return 0;
    PyObject *finalizer = PyObject_GetAttrString(self->uc_obj, "_Uc__finalizer");
    if (finalizer == NULL) {
        PyErr_Clear();
        return 0;
    }
    PyObject *alive = PyObject_GetAttrString(finalizer, "alive");
    Py_DECREF(finalizer);
    if (alive == NULL) {
        PyErr_Clear();
        return 0;
    }
    int open = PyObject_IsTrue(alive) == 1;
    Py_DECREF(alive);
    PyErr_Clear();
    return open;
}

static void remove_hooks(FastExits *self) {
    if (uc_is_open(self)) {
        for (int i = 0; i < self->nhooks; i++) uc_hook_del_fn(self->uc, self->hooks[i]);
    }
    self->nhooks = 0;
}

static int FastExits_clear(FastExits *self) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    remove_hooks(self);
    PyErr_Restore(type, value, tb);
    Py_CLEAR(self->intr_fallback);
    Py_CLEAR(self->read_fallback);
    Py_CLEAR(self->write_fallback);
    Py_CLEAR(self->on_mmio_read);
    Py_CLEAR(self->on_mmio_write);
    Py_CLEAR(self->on_call);
    Py_CLEAR(self->uc_obj);
    return 0;
}

static void FastExits_dealloc(FastExits *self) {
    PyObject_GC_UnTrack(self);
    FastExits_clear(self);
    if (self->lock_ready) pthread_mutex_destroy(&self->stop_lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *FastExits_hook_intr(FastExits *self, PyObject *fallback) {
    if (!PyCallable_Check(fallback)) return PyErr_Format(PyExc_TypeError, "the INTR fallback must be callable");
    if (self->intr_fallback != NULL) return PyErr_Format(PyExc_RuntimeError, "the INTR hook is already installed");
    if (!add_hook(self, UC_HOOK_INTR, (void *)on_intr, 1, 0)) return NULL;
    Py_INCREF(fallback);
    self->intr_fallback = fallback;
    Py_RETURN_NONE;
}

static PyObject *FastExits_hook_window(FastExits *self, PyObject *args) {
    unsigned long long begin, end;
    PyObject *on_read, *on_write;
    if (!PyArg_ParseTuple(args, "KKOO", &begin, &end, &on_read, &on_write)) return NULL;
    if (!PyCallable_Check(on_read) || !PyCallable_Check(on_write))
        return PyErr_Format(PyExc_TypeError, "window fallbacks must be callable");
    if (self->read_fallback != NULL && (self->read_fallback != on_read || self->write_fallback != on_write))
        return PyErr_Format(PyExc_ValueError, "every window of one instance shares one pair of fallbacks");
    if (!add_hook(self, UC_HOOK_MEM_READ, (void *)on_mem, begin, end)) return NULL;
    if (!add_hook(self, UC_HOOK_MEM_WRITE, (void *)on_mem, begin, end)) return NULL;
    Py_INCREF(on_read);
    Py_INCREF(on_write);
    Py_XSETREF(self->read_fallback, on_read);
    Py_XSETREF(self->write_fallback, on_write);
    Py_RETURN_NONE;
}

static PyObject *FastExits_set_call_rule(FastExits *self, PyObject *args) {
    unsigned int intno;
    PyObject *guards, *arg_ids;
    int nr_id, ret_id;
    if (!PyArg_ParseTuple(args, "IO!iO!i", &intno, &PyTuple_Type, &guards, &nr_id, &PyTuple_Type, &arg_ids, &ret_id))
        return NULL;
    Py_ssize_t ng = PyTuple_GET_SIZE(guards), na = PyTuple_GET_SIZE(arg_ids);
    if (ng > MAX_GUARDS || na > MAX_ARGS)
        return PyErr_Format(PyExc_ValueError, "a call rule has at most %d guards and %d arguments", MAX_GUARDS, MAX_ARGS);
    int ids[MAX_GUARDS + 1 + MAX_ARGS];
    uint64_t values[MAX_GUARDS];
    for (Py_ssize_t i = 0; i < ng; i++) {
        int id;
        unsigned long long value;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(guards, i), "iK", &id, &value)) return NULL;
        ids[i] = id;
        values[i] = value;
    }
    ids[ng] = nr_id;
    for (Py_ssize_t i = 0; i < na; i++) {
        long id = PyLong_AsLong(PyTuple_GET_ITEM(arg_ids, i));
        if (id == -1 && PyErr_Occurred()) return NULL;
        ids[ng + 1 + i] = (int)id;
    }
    memcpy(self->rule_ids, ids, sizeof(ids));
    memcpy(self->rule_values, values, sizeof(values));
    self->rule_intno = intno;
    self->rule_nguards = (int)ng;
    self->rule_nargs = (int)na;
    self->rule_nregs = (int)(ng + 1 + na);
    self->rule_ret_id = ret_id;
    self->has_rule = 1;
    Py_RETURN_NONE;
}

static PyObject *FastExits_set_translation_guard(FastExits *self, PyObject *args) {
    int reg_id;
    unsigned long long mask;
    if (!PyArg_ParseTuple(args, "iK", &reg_id, &mask)) return NULL;
    self->translation_id = reg_id;
    self->translation_mask = mask;
    self->has_cache = 1;
    Py_RETURN_NONE;
}

static PyObject *FastExits_remember(FastExits *self, PyObject *args) {
    unsigned long long reported_pc, address, insn_pc, offset;
    int is_write, base_id, width;
    Py_buffer insn;
    if (!PyArg_ParseTuple(args, "KKpKy*iKi", &reported_pc, &address, &is_write, &insn_pc, &insn, &base_id, &offset,
                          &width))
        return NULL;
    if (insn.len != 2 && insn.len != 4) {
        PyBuffer_Release(&insn);
        return PyErr_Format(PyExc_ValueError, "instruction bytes must be 2 or 4 long, not %zd", insn.len);
    }
    if (width != 1 && width != 2 && width != 4 && width != 8) {
        PyBuffer_Release(&insn);
        return PyErr_Format(PyExc_ValueError, "access width must be 1, 2, 4 or 8, not %d", width);
    }
    access_entry *entry = place_entry(self, reported_pc, address, is_write);
    entry->used = 1;
    entry->reported_pc = reported_pc;
    entry->address = address;
    entry->is_write = is_write;
    entry->insn_pc = insn_pc;
    memcpy(entry->insn, insn.buf, (size_t)insn.len);
    entry->insn_len = (int)insn.len;
    entry->base_id = base_id;
    entry->offset = offset;
    entry->width = width;
    PyBuffer_Release(&insn);
    Py_RETURN_NONE;
}

static PyObject *FastExits_forget(FastExits *self, PyObject *unused) {
    memset(self->cache, 0, sizeof(self->cache));
    Py_RETURN_NONE;
}

static PyObject *FastExits_arm(FastExits *self, PyObject *args) {
    PyObject *on_read, *on_write, *on_call;
    long long budget;
    if (!PyArg_ParseTuple(args, "OOOL", &on_read, &on_write, &on_call, &budget)) return NULL;
    if (!PyCallable_Check(on_read) || !PyCallable_Check(on_write) || !PyCallable_Check(on_call))
        return PyErr_Format(PyExc_TypeError, "exit handlers must be callable");
    Py_INCREF(on_read);
    Py_INCREF(on_write);
    Py_INCREF(on_call);
    Py_XSETREF(self->on_mmio_read, on_read);
    Py_XSETREF(self->on_mmio_write, on_write);
    Py_XSETREF(self->on_call, on_call);
    self->budget = budget;
    Py_RETURN_NONE;
}

static PyObject *FastExits_disarm(FastExits *self, PyObject *unused) {
    Py_CLEAR(self->on_mmio_read);
    Py_CLEAR(self->on_mmio_write);
    Py_CLEAR(self->on_call);
    self->budget = 0;
    Py_RETURN_NONE;
}

static PyObject *FastExits_kick(FastExits *self, PyObject *unused) {
    if (self->uc_obj == NULL) Py_RETURN_NONE;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&self->stop_lock);
    kick_locked(self);
    pthread_mutex_unlock(&self->stop_lock);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *FastExits_set_running(FastExits *self, PyObject *flag) {
    int running = PyObject_IsTrue(flag);
    if (running < 0) return NULL;
    pthread_mutex_lock(&self->stop_lock);
    self->running = running;
    self->after_mem_hook = 0;
    pthread_mutex_unlock(&self->stop_lock);
    Py_RETURN_NONE;
}

static PyObject *FastExits_clear_kick(FastExits *self, PyObject *unused) {
    pthread_mutex_lock(&self->stop_lock);
    self->kick_pending = 0;
    pthread_mutex_unlock(&self->stop_lock);
    Py_RETURN_NONE;
}

static PyObject *FastExits_take_counts(FastExits *self, PyObject *unused) {
    if (!self->counts[COUNT_READ] && !self->counts[COUNT_WRITE] && !self->counts[COUNT_CALL]) Py_RETURN_NONE;
    PyObject *out = Py_BuildValue("(KKK)", self->counts[COUNT_READ], self->counts[COUNT_WRITE], self->counts[COUNT_CALL]);
    if (out != NULL) memset(self->counts, 0, sizeof(self->counts));
    return out;
}

static PyObject *FastExits_get_budget(FastExits *self, void *closure) { return PyLong_FromLongLong(self->budget); }

static int FastExits_set_budget(FastExits *self, PyObject *value, void *closure) {
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "the budget cannot be deleted");
        return -1;
    }
    long long budget = PyLong_AsLongLong(value);
    if (budget == -1 && PyErr_Occurred()) return -1;
    self->budget = budget;
    return 0;
}

static PyMethodDef FastExits_methods[] = {
    {"hook_intr", (PyCFunction)FastExits_hook_intr, METH_O, "Install the INTR hook with its Python fallback."},
    {"hook_window", (PyCFunction)FastExits_hook_window, METH_VARARGS,
     "hook_window(begin, end, on_read, on_write): memory hooks on [begin, end] with Python fallbacks."},
    {"set_call_rule", (PyCFunction)FastExits_set_call_rule, METH_VARARGS,
     "set_call_rule(intno, ((reg, value), ...), nr_reg, (arg_reg, ...), ret_reg)."},
    {"set_translation_guard", (PyCFunction)FastExits_set_translation_guard, METH_VARARGS,
     "set_translation_guard(reg, mask): remembered accesses apply only while reg & mask == 0."},
    {"remember", (PyCFunction)FastExits_remember, METH_VARARGS,
     "remember(reported_pc, address, is_write, insn_pc, insn_bytes, base_reg, offset, width)."},
    {"forget", (PyCFunction)FastExits_forget, METH_NOARGS, "Drop every remembered access."},
    {"arm", (PyCFunction)FastExits_arm, METH_VARARGS, "arm(mmio_read, mmio_write, hypercall, budget)."},
    {"disarm", (PyCFunction)FastExits_disarm, METH_NOARGS, "Complete nothing natively until armed again."},
    {"kick", (PyCFunction)FastExits_kick, METH_NOARGS,
     "Stop the running instance soon, never inside a load or store (thread-safe)."},
    {"clear_kick", (PyCFunction)FastExits_clear_kick, METH_NOARGS, "Forget a kick the caller has handled."},
    {"set_running", (PyCFunction)FastExits_set_running, METH_O, "Say whether emu_start is running (around it)."},
    {"take_counts", (PyCFunction)FastExits_take_counts, METH_NOARGS,
     "(mmio reads, mmio writes, calls) completed natively since the last call, or None if none."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef FastExits_getset[] = {
    {"budget", (getter)FastExits_get_budget, (setter)FastExits_set_budget, "Exits left to complete natively.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject FastExitsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "axvcpu_core._fastexit.FastExits",
    .tp_basicsize = sizeof(FastExits),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Native INTR and device-window hooks of one Unicorn instance.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)FastExits_init,
    .tp_dealloc = (destructor)FastExits_dealloc,
    .tp_traverse = (traverseproc)FastExits_traverse,
    .tp_clear = (inquiry)FastExits_clear,
    .tp_methods = FastExits_methods,
    .tp_getset = FastExits_getset,
};

static PyObject *bind_library(PyObject *module, PyObject *args) {
    unsigned long long hook_add, hook_del, reg_read, reg_write, reg_read_batch, mem_read, mem_write, emu_stop;
    if (!PyArg_ParseTuple(args, "KKKKKKKK", &hook_add, &hook_del, &reg_read, &reg_write, &reg_read_batch, &mem_read,
                          &mem_write, &emu_stop))
        return NULL;
    if (!hook_add || !hook_del || !reg_read || !reg_write || !reg_read_batch || !mem_read || !mem_write || !emu_stop)
        return PyErr_Format(PyExc_ValueError, "every Unicorn entry point must be a non-zero address");
    uc_hook_add_fn = (uc_hook_add_t)(uintptr_t)hook_add;
    uc_hook_del_fn = (uc_hook_del_t)(uintptr_t)hook_del;
    uc_reg_read_fn = (uc_reg_read_t)(uintptr_t)reg_read;
    uc_reg_write_fn = (uc_reg_write_t)(uintptr_t)reg_write;
    uc_reg_read_batch_fn = (uc_reg_read_batch_t)(uintptr_t)reg_read_batch;
    uc_mem_read_fn = (uc_mem_read_t)(uintptr_t)mem_read;
    uc_mem_write_fn = (uc_mem_write_t)(uintptr_t)mem_write;
    uc_emu_stop_fn = (uc_emu_stop_t)(uintptr_t)emu_stop;
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"bind_library", bind_library, METH_VARARGS,
     "bind_library(hook_add, hook_del, reg_read, reg_write, reg_read_batch, mem_read, mem_write, emu_stop)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "axvcpu_core._fastexit", "Native hooks for the hot exit paths.", -1, module_methods,
};

PyMODINIT_FUNC PyInit__fastexit(void) {
    if (PyType_Ready(&FastExitsType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    Py_INCREF(&FastExitsType);
    if (PyModule_AddObject(module, "FastExits", (PyObject *)&FastExitsType) < 0) {
        Py_DECREF(&FastExitsType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
