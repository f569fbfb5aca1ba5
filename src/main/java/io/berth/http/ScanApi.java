package io.berth.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.auth.Permissions;
import io.berth.auth.Scope;
import io.berth.model.ManifestRecord;
import io.berth.model.Scans.Job;
import io.berth.model.Scans.Report;
import io.berth.model.Scans.State;
import io.berth.oci.ErrorCode;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.Registry;
import io.berth.scan.HarborReport;
import io.berth.scan.Scanner;
import io.berth.scan.Scanning;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Scans in the management API: {@code POST /api/v1/repositories/<name>/manifests/<reference>/scan} (push right:
 * queues a scan, 202) and {@code GET /api/v1/repositories/<name>/manifests/<reference>/vulnerabilities} (pull
 * right: the last report in Harbor's format, 202 with the job's state while the first scan is queued or running,
 * 404 before any scan).
 */
public final class ScanApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Scanning scanning;
    private final Registry registry;
    private final Permissions permissions;

    public ScanApi(Scanning scanning, Registry registry, Permissions permissions) {
        this.scanning = scanning;
        this.registry = registry;
        this.permissions = permissions;
    }

    // ---- POST .../scan

    Outcome scan(Exchange ex) {
        RepositoryName repository = permitted(ex, Scope.PUSH);
        ManifestRecord record = registry.manifestRecord(repository, Reference.parse(ex.param("reference")));
        if (!Scanner.scannable(record.mediaType(), record.artifactType(), record.subject())) {
            throw new RegistryException(ErrorCode.INVALID_REQUEST, record.digest() + " is not an image or an index ("
                    + record.artifactType() + (record.subject() == null ? "" : ", a referrer") + ")");
        }
        java.time.Instant requested = java.time.Instant.now();
        scanning.enqueue(repository, record.digest(), "demand");
        ObjectNode body = JSON.createObjectNode().put("repository", repository.toString())
                .put("digest", record.digest().toString()).put("state", "queued")
                .put("requested_at", requested.toString());
        return Response.status(202).header("Location", ex.url("/api/v1/repositories/" + repository + "/manifests/"
                + record.digest() + "/vulnerabilities")).json(body.toString());
    }

    // ---- GET .../vulnerabilities

    Outcome vulnerabilities(Exchange ex) throws IOException {
        RepositoryName repository = permitted(ex, Scope.PULL);
        ManifestRecord record = registry.manifestRecord(repository, Reference.parse(ex.param("reference")));
        Optional<Report> report = scanning.report(record.digest());
        Optional<Job> job = scanning.job(repository, record.digest());
        boolean pending = job.isPresent() && (job.get().state() == State.QUEUED || job.get().state() == State.RUNNING);
        if (report.isEmpty()) {
            if (pending) {
                ObjectNode body = JSON.createObjectNode().put("repository", repository.toString())
                        .put("digest", record.digest().toString())
                        .put("state", job.get().state().name().toLowerCase(java.util.Locale.ROOT))
                        .put("queued_at", job.get().queuedAt().toString());
                return Response.status(202).header("Retry-After", 1).json(body.toString());
            }
            String why = job.isPresent() && job.get().state() == State.FAILED
                    ? "the scan of " + record.digest() + " failed: " + job.get().error()
                    : record.digest() + " has not been scanned";
            throw new RegistryException(ErrorCode.NOT_FOUND, why, Map.of("digest", record.digest().toString()));
        }
        ObjectNode body = (ObjectNode) JSON.readTree(report.get().json());
        body.with("artifact").put("repository", repository.toString());
        body.put("berth_vulndb_generation", report.get().vulndbGeneration());
        Response response = Response.status(200);
        if (pending) {
            response.header("Berth-Scan-State", job.get().state().name().toLowerCase(java.util.Locale.ROOT));
        }
        return response.body(body.toString().getBytes(StandardCharsets.UTF_8), HarborReport.MEDIA_TYPE);
    }

    private RepositoryName permitted(Exchange ex, String action) {
        RepositoryName repository = new RepositoryName(ex.param("name"));
        if (!permissions.may(ex.principal(), repository, action)) {
            throw new RegistryException(ErrorCode.DENIED, action + " on " + repository + " needed");
        }
        return repository;
    }
}
