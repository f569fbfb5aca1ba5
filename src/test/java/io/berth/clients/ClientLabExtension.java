package io.berth.clients;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Gives test classes the one {@link ClientLab} of this test run: started when the first class asks for it, kept in
 * the root context's store, and closed by JUnit when the run ends. A lab that failed to start fails every test
 * that asks for it, with the same message, instead of being retried per class.
 * Failures are prefixed with the invocation's name ("on berth: ..."), because build reports show only "[2]".
 */
final class ClientLabExtension implements ParameterResolver, TestExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClientLabExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == ClientLab.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(ClientLab.class, key -> LabHolder.open(), LabHolder.class)
                .lab();
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        String invocation = context.getDisplayName();
        if (failure.getMessage() != null && failure.getMessage().startsWith(invocation)) {
            throw failure;
        }
        AssertionError named = new AssertionError(invocation + ": " + failure.getMessage(), failure);
        named.setStackTrace(failure.getStackTrace());
        throw named;
    }

    /** The lab, or why it could not start; JUnit closes it (AutoCloseable values in a store) at the end of the run. */
    private record LabHolder(ClientLab started, Throwable failure) implements AutoCloseable {
        static LabHolder open() {
            try {
                return new LabHolder(ClientLab.start(), null);
            } catch (RuntimeException | Error e) {
                return new LabHolder(null, e);
            }
        }

        ClientLab lab() {
            if (failure != null) {
                throw new AssertionError("the client lab did not start: " + failure.getMessage(), failure);
            }
            return started;
        }

        @Override
        public void close() {
            if (started != null) {
                started.close();
            }
        }
    }
}
