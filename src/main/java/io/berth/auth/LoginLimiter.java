package io.berth.auth;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per user and per source address within a sliding minute; past the limit, logins are refused
 * before any password is checked. A source may fail ten times as often as a user (many users share an address
 * behind NAT). Per node: a client spreading guesses over n nodes gets n times the limit.
 */
final class LoginLimiter {
    private static final long WINDOW_MILLIS = 60_000;

    private final int maxFailures;
    private final Clock clock;
    /** Failure times by key; each deque is guarded by itself. */
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    LoginLimiter(int maxFailures, Clock clock) {
        this.maxFailures = maxFailures;
        this.clock = clock;
    }

    boolean blocked(String user, String source) {
        return count("u:" + user) >= maxFailures || count("s:" + source) >= 10 * maxFailures;
    }

    void failed(String user, String source) {
        add("u:" + user);
        add("s:" + source);
    }

    private int count(String key) {
        Deque<Long> times = failures.get(key);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            prune(times);
            return times.size();
        }
    }

    private void add(String key) {
        if (failures.size() > 100_000) {
            failures.clear();
        }
        Deque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            prune(times);
            times.addLast(clock.millis());
        }
    }

    private void prune(Deque<Long> times) {
        long cutoff = clock.millis() - WINDOW_MILLIS;
        while (!times.isEmpty() && times.peekFirst() < cutoff) {
            times.pollFirst();
        }
    }
}
