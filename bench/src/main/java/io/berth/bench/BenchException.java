package io.berth.bench;

/** A wrong answer or a broken step: the benchmark run fails with it (slow numbers never do). */
final class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
