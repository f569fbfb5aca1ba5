package io.berth.http;

import java.util.concurrent.ThreadLocalRandom;

/** Request ids: 16 hex digits, random, carried by the response header and every log line of the request. */
final class RequestIds {
    private RequestIds() {}

    static String next() {
        return String.format("%016x", ThreadLocalRandom.current().nextLong());
    }
}
