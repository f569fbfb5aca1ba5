package io.berth.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.Permissions;
import io.berth.model.VulnDb.Source;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.scan.vulndb.VulnerabilityDatabase;
import io.berth.scan.vulndb.VulnerabilityDatabase.ImportReport;
import io.berth.scan.vulndb.VulnerabilityDatabase.Input;
import io.berth.scan.vulndb.VulnerabilityDatabase.SourceReport;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The vulnerability database in the management API: {@code GET /api/v1/vulndb} (sources, record counts, generation,
 * import times; any authenticated caller) and {@code POST /api/v1/vulndb} (admin): the body is an osv.dev
 * {@code all.zip} ({@code application/zip}) or an OSV record or array of records ({@code application/json}). The body
 * streams into a file under the spool directory, never into memory, up to a configured limit, and is imported from
 * there in one transaction.
 */
public final class VulnDbApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final VulnerabilityDatabase vulndb;
    private final Permissions permissions;
    private final Path spool;
    private final long maxBytes;

    /**
     * spool: where bodies are kept while they are imported (made when missing; what a stopped server left there is
     * deleted now); maxBytes: the largest body.
     */
    public VulnDbApi(VulnerabilityDatabase vulndb, Permissions permissions, Path spool, long maxBytes) throws IOException {
        this.vulndb = vulndb;
        this.permissions = permissions;
        this.spool = spool;
        this.maxBytes = maxBytes;
        if (Files.isDirectory(spool)) {
            try (java.util.stream.Stream<Path> left = Files.list(spool)) {
                for (Path file : left.filter(f -> f.getFileName().toString().startsWith("vulndb-")).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    // ---- GET /api/v1/vulndb

    Outcome status(Exchange ex) {
        VulnerabilityDatabase.Status status = vulndb.status();
        ObjectNode node = JSON.createObjectNode();
        node.put("generation", status.totals().generation());
        node.put("records", status.totals().records());
        node.put("withdrawn", status.totals().withdrawn());
        ArrayNode sources = node.putArray("sources");
        for (Source s : status.sources()) {
            sources.addObject().put("name", s.name()).put("generation", s.generation()).put("records", s.recordCount())
                    .put("contentDigest", s.contentDigest()).put("importedAt", s.importedAt().toString());
        }
        return Response.status(200).json(node.toString());
    }

    // ---- POST /api/v1/vulndb

    Outcome importBody(Exchange ex) throws IOException {
        if (!permissions.isAdmin(ex.principal())) {
            throw new RegistryException(ErrorCode.DENIED, "only an admin may import vulnerability data");
        }
        String type = ex.header("Content-Type");
        String mediaType = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        String suffix = switch (mediaType) {
            case "application/zip", "application/x-zip-compressed" -> ".zip";
            case "application/json" -> ".json";
            default -> throw new RegistryException(ErrorCode.INVALID_REQUEST, "Content-Type must be application/zip"
                    + " (an osv.dev all.zip) or application/json (an OSV record or an array of them), not "
                    + (type == null ? "none" : type), Map.of("field", "Content-Type"));
        };
        String length = ex.header("Content-Length");
        if (length != null && length.strip().matches("[0-9]{1,18}") && Long.parseLong(length.strip()) > maxBytes) {
            throw tooLarge();
        }
        Files.createDirectories(spool);
        return new Spooled(Files.createTempFile(spool, "vulndb-", suffix));
    }

    private RegistryException tooLarge() {
        return new RegistryException(ErrorCode.BODY_TOO_LARGE, "the import is larger than scanning.maxImportSize ("
                + maxBytes + " bytes)", Map.of("limit", maxBytes));
    }

    /** The body written to a spool file as it arrives, imported once it is complete, then deleted. */
    private final class Spooled implements BodyConsumer {
        private final Path file;
        private final FileChannel channel;
        private long written;

        Spooled(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        @Override
        public void onData(ByteBuf content) throws IOException {
            written += content.readableBytes();
            if (written > maxBytes) {
                throw tooLarge();
            }
            for (ByteBuffer buffer : content.nioBuffers()) {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        }

        @Override
        public Response finish() throws IOException {
            try {
                channel.close();
                ImportReport report = vulndb.importAll(List.of(new Input(file, "request body")));
                return Response.status(200).json(json(report).toString());
            } finally {
                Files.deleteIfExists(file);
            }
        }

        @Override
        public void abort() {
            try {
                channel.close();
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** An import's report as the API and `berth vulndb import --server` show it. */
    static ObjectNode json(ImportReport report) {
        ObjectNode node = JSON.createObjectNode();
        node.put("generation", report.generation());
        node.put("changed", report.changed());
        node.put("millis", report.took().toMillis());
        ArrayNode sources = node.putArray("sources");
        for (SourceReport s : report.sources()) {
            sources.addObject().put("source", s.source()).put("records", s.records()).put("added", s.added())
                    .put("updated", s.updated()).put("withdrawn", s.withdrawn()).put("unchanged", s.unchanged())
                    .put("contentDigest", s.contentDigest());
        }
        return node;
    }
}
