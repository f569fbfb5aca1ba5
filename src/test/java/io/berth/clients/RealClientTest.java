package io.berth.clients;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every real-client test class shares: the "clients" tag (run with -Pclients) and the one {@link ClientLab} of
 * the run, in {@link #lab} before each test. A class's own {@code @BeforeAll} takes the lab as a parameter.
 */
@Tag("clients")
@ExtendWith(ClientLabExtension.class)
abstract class RealClientTest {
    /** The lab of this run: the clients, their daemons and both registries. */
    protected ClientLab lab;

    @BeforeEach
    final void useLab(ClientLab lab) {
        this.lab = lab;
    }
}
