package io.berth.auth;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins within a sliding minute; past a limit, logins are refused before any secret is checked. An account
 * is a user name, or {@code robot:<token id>} for a robot token. Three limits, n = auth.maxFailuresPerMinute:
 * <ul>
 *   <li>one account from one source address: n failures. This is the limit a guesser meets, and it does not lock
 *       the account out of any other address;</li>
 *   <li>one account from all addresses together: 10 n, a ceiling for guessing spread over many addresses (only
 *       then is the account refused everywhere, until the minute has passed);</li>
 *   <li>one source address over all accounts: 10 n (many users may share an address behind NAT).</li>
 * </ul>
 * Per node: a client spreading guesses over k nodes gets k times each limit.
 */
final class LoginLimiter {
    private static final long WINDOW_MILLIS = 60_000;
    static final int CEILING_FACTOR = 10;

    private final int maxFailures;
    private final Clock clock;
    /** Failure times by key; each deque is guarded by itself. */
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    LoginLimiter(int maxFailures, Clock clock) {
        this.maxFailures = maxFailures;
        this.clock = clock;
    }

    boolean blocked(String account, String source) {
        return count(pairKey(account, source)) >= maxFailures
                || count("a:" + account) >= CEILING_FACTOR * maxFailures
                || count("s:" + source) >= CEILING_FACTOR * maxFailures;
    }

    void failed(String account, String source) {
        add(pairKey(account, source));
        add("a:" + account);
        add("s:" + source);
    }

    private static String pairKey(String account, String source) {
        return "p:" + source + '\0' + account;
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
