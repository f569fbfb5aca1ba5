package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** Small images the UI tests push through the registry API: a config naming the seed and a random layer. */
final class UiImages {
    private UiImages() {}

    /** Pushes repository:tag (a different image for each seed); returns its digest. */
    static String push(RegistryApiClient client, String repository, String tag, int seed) {
        byte[] layer = new byte[1024];
        new Random(seed).nextBytes(layer);
        Response pushed = client.pushImage(repository, tag,
                List.of(("{\"seed\":" + seed + "}").getBytes(StandardCharsets.UTF_8), layer));
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
        return pushed.header("Docker-Content-Digest");
    }
}
