package io.berth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.clients.RemoteRepository.FetchedManifest;
import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import io.berth.testing.ServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Berth with access control on, as README's "Private registry" sets it up, on a free loopback port: plain HTTP, or
 * HTTPS with a self-signed certificate made by openssl. A test class starts one for itself; its data, log and
 * certificate live in a folder of the lab. The reference registry has no token service of Berth's kind, so these
 * servers have no reference counterpart.
 *
 * <p>The user "admin" sets the server up through the management API (docs/API.md) and reads what the registry
 * holds with Basic credentials, independently of what a client printed.
 */
final class PrivateBerth implements AutoCloseable {
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final String ACCEPT_ANY_MANIFEST = String.join(", ", RemoteRepository.OCI_MANIFEST,
            RemoteRepository.OCI_INDEX, RemoteRepository.DOCKER_MANIFEST, RemoteRepository.DOCKER_LIST);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ServerProcess process;
    private final Path folder;
    private final int port;
    private final Path certificate;
    private final HttpClient http;

    private PrivateBerth(ServerProcess process, Path folder, int port, Path certificate, HttpClient http) {
        this.process = process;
        this.folder = folder;
        this.port = port;
        this.certificate = certificate;
        this.http = http;
    }

    /** Berth with access control on, over plain HTTP. */
    static PrivateBerth startPlain(ClientLab lab) {
        return start(lab, lab.newDirectory("berth-private"), null);
    }

    /** Berth with access control on, over HTTPS with a new self-signed certificate for 127.0.0.1 and localhost. */
    static PrivateBerth startTls(ClientLab lab) {
        Path folder = lab.newDirectory("berth-private-tls");
        Path certificate = folder.resolve("tls.crt");
        lab.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", folder.resolve("tls.key").toString(), "-out", certificate.toString());
        return start(lab, folder, certificate);
    }

    private static PrivateBerth start(ClientLab lab, Path folder, Path certificate) {
        StringBuilder config = new StringBuilder("auth:\n  enabled: true\n  adminPassword: \"" + ADMIN_PASSWORD + "\"\n");
        if (certificate != null) {
            config.append("http:\n  tls: {certificate: \"").append(certificate)
                    .append("\", key: \"").append(folder.resolve("tls.key")).append("\"}\n");
        }
        ClientLab.write(folder.resolve("berth.yaml"), config.toString());
        int port = Ports.freePort();
        ServerProcess process = ServerProcess.start(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "io.berth.cli.Main", "serve",
                "--config", folder.resolve("berth.yaml").toString(),
                "--listen", "127.0.0.1:" + port,
                "--data", folder.resolve("data").toString()), folder.resolve("berth.log"));
        PrivateBerth berth = new PrivateBerth(process, folder, port, certificate, httpClient(certificate));
        try {
            berth.awaitReady();
            return berth;
        } catch (RuntimeException | Error e) {
            berth.close();
            throw e;
        }
    }

    /** A client that trusts exactly the server's self-signed certificate (or plain HTTP without one). */
    private static HttpClient httpClient(Path certificate) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (certificate != null) {
            try (InputStream pem = Files.newInputStream(certificate)) {
                KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
                trusted.load(null, null);
                trusted.setCertificateEntry("berth", CertificateFactory.getInstance("X.509").generateCertificate(pem));
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(trusted);
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(null, trust.getTrustManagers(), null);
                builder.sslContext(tls);
            } catch (IOException | GeneralSecurityException e) {
                throw new AssertionError("cannot trust " + certificate + ": " + e, e);
            }
        }
        return builder.build();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("private Berth exited during start-up:\n" + process.logText());
            }
            try {
                HttpResponse<Void> ready = http.send(HttpRequest.newBuilder(URI.create(baseUri() + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // retried until the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        throw new AssertionError("private Berth not ready within " + START_TIMEOUT + ":\n" + process.logText());
    }

    /** host:port, as clients write it in image references and logins. */
    String hostPort() {
        return "127.0.0.1:" + port;
    }

    URI baseUri() {
        return URI.create((certificate == null ? "http://" : "https://") + hostPort());
    }

    /** "host:port/repository:tag" */
    String tag(String repository, String tag) {
        return hostPort() + "/" + repository + ":" + tag;
    }

    /** "host:port/repository@sha256:..." */
    String digest(String repository, String digest) {
        return hostPort() + "/" + repository + "@" + digest;
    }

    /** The self-signed certificate (PEM) of a TLS server. */
    Path certificate() {
        assertThat(certificate).as("a TLS server's certificate").isNotNull();
        return certificate;
    }

    /** A folder holding only ca.crt, the server's certificate: what skopeo, podman and buildah take as --cert-dir. */
    Path certDirectory() {
        Path dir = folder.resolve("certs.d").resolve(hostPort());
        if (!Files.exists(dir.resolve("ca.crt"))) {
            ClientLab.write(dir.resolve("ca.crt"), ClientLab.read(certificate()));
        }
        return dir;
    }

    /** Berth's log: start-up, errors and one access line per request. */
    String logText() {
        return process.logText();
    }

    /** The access-log lines so far ("... access request_id=... method=GET path=\"/v2/\" status=401 ..."). */
    List<String> accessLog() {
        return logText().lines().filter(line -> line.contains(" access request_id=")).toList();
    }

    // ---- the management API, as admin ----

    void addUser(String name, String password) {
        ObjectNode body = Json.object().put("name", name).put("password", password);
        expect(201, send("POST", "/api/v1/users", body));
    }

    void createNamespace(String name, boolean isPublic) {
        expect(201, send("POST", "/api/v1/namespaces", Json.object().put("name", name).put("public", isPublic)));
    }

    void grant(String namespace, String user, String role) {
        expect(204, send("PUT", "/api/v1/namespaces/" + namespace + "/members/" + user, Json.object().put("role", role)));
    }

    /** Creates a robot token for one namespace, valid for an hour; returns its secret ("berth_<id>_<secret>"). */
    String createToken(String name, String namespace, String repositoryPattern, String... actions) {
        ObjectNode body = Json.object().put("name", name).put("namespace", namespace).put("expiresIn", "1h");
        body.putArray("repositories").add(repositoryPattern);
        List.of(actions).forEach(body.putArray("actions")::add);
        HttpResponse<byte[]> created = expect(201, send("POST", "/api/v1/tokens", body));
        return Json.parse(created.body()).path("secret").asText();
    }

    /** Runs `berth namespace immutable add NAMESPACE PATTERN`, the documented way, against the running server's data. */
    void makeImmutable(String namespace, String pattern) {
        BerthServer.runCli(folder.resolve("data"), "namespace", "immutable", "add", namespace, pattern);
    }

    // ---- what the registry holds, read as admin ----

    /** The manifest as served under reference; fails unless 200. */
    FetchedManifest manifest(String repository, String reference) {
        HttpResponse<byte[]> response = expect(200, send("GET", "/v2/" + repository + "/manifests/" + reference, null));
        return new FetchedManifest(response.headers().firstValue("Content-Type").orElse(""),
                response.headers().firstValue("Docker-Content-Digest").orElse(""), response.body());
    }

    /** Asserts that the registry serves exactly that digest under reference (by the bytes' sha256 and the header). */
    FetchedManifest assertServes(String repository, String reference, String digest) {
        FetchedManifest manifest = manifest(repository, reference);
        assertThat(manifest.computedDigest()).as("sha256 of GET %s:%s", repository, reference).isEqualTo(digest);
        assertThat(manifest.digestHeader()).as("Docker-Content-Digest of GET %s:%s", repository, reference).isEqualTo(digest);
        return manifest;
    }

    int manifestStatus(String repository, String reference) {
        return send("HEAD", "/v2/" + repository + "/manifests/" + reference, null).statusCode();
    }

    boolean hasBlob(String repository, String digest) {
        return send("HEAD", "/v2/" + repository + "/blobs/" + digest, null).statusCode() == 200;
    }

    private HttpResponse<byte[]> send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUri() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header("Accept", path.contains("/manifests/") ? ACCEPT_ANY_MANIFEST : "application/json")
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static HttpResponse<byte[]> expect(int status, HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as("%s %s answered %s", response.request().method(), response.request().uri(),
                new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(status);
        return response;
    }

    @Override
    public void close() {
        process.close();
    }
}
