"""Threads that run requests: kept between requests instead of one started per request.

Starting a thread costs the gate more CPU than the rest of a warm module call's own work
(a stack mapped and unmapped, the start handshake with the caller): a warm gate answers
from threads already waiting. There is no limit on how many run at once (a request never
waits for another to end: a long module call must not hold up a short one); threads
beyond IDLE_KEPT that find nothing to do end.
"""
import queue
import threading

IDLE_KEPT = 16


class Workers:
    def __init__(self, idle_kept=IDLE_KEPT):
        self.idle_kept = idle_kept
        self.jobs = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = 0  # threads waiting for a job, or about to

    def submit(self, fn, *args):
        """Runs fn(*args) on a waiting thread, or on a new one when none waits (RuntimeError: no thread to be had)."""
        with self.lock:
            spare = self.idle > 0
            if spare:
                self.idle -= 1
        if not spare:
            threading.Thread(target=self._serve, args=((fn, args),), name="ftl-request", daemon=True).start()
            return
        self.jobs.put((fn, args))

    def _serve(self, job):
        while True:
            fn, args = job
            try:
                fn(*args)
            except BaseException:  # fn reports its own errors; a worker never dies of one
                pass
            with self.lock:
                if self.idle >= self.idle_kept:
                    return
                self.idle += 1
            job = self.jobs.get()
