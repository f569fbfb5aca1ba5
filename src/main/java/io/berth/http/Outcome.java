package io.berth.http;

/** What a route handler returns: a response now, or a consumer for the request body that answers after it. */
public sealed interface Outcome permits Response, BodyConsumer {}
