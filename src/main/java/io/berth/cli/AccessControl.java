package io.berth.cli;

import io.berth.auth.AccessAdmin;
import io.berth.auth.AccessPolicy;
import io.berth.auth.Authenticator;
import io.berth.auth.TokenService;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.http.AuditFilter;
import io.berth.http.AuthFilter;
import io.berth.http.Filter;
import io.berth.http.TokenApi;
import io.berth.metadata.AuthStore;
import io.berth.metadata.MetadataDatabase;
import io.berth.registry.GarbageCollector;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/** The access-control object graph, built from the auth configuration. */
record AccessControl(AuthStore store, AccessPolicy policy, AccessAdmin admin, Authenticator authenticator,
                     TokenService tokens, Filter filter, TokenApi tokenApi) {

    static AccessAdmin admin(MetadataDatabase database, Clock clock) {
        AuthStore store = database.auth();
        return new AccessAdmin(store, new AccessPolicy(store, clock), clock);
    }

    /**
     * Records a garbage collection that ran and was not a dry run (the API's runs are recorded by the audit filter).
     * actor is who started it: the command line's user, or "gc-scheduler" for the server's own runs.
     */
    static void auditGc(MetadataDatabase database, Clock clock, String actor, String source, GarbageCollector.Report report) {
        if (!report.ran() || report.dryRun()) {
            return;
        }
        admin(database, clock).audit(actor, "gc.run", null, source, "manifests " + report.manifestsDeleted()
                + ", blob links " + report.linksRemoved() + ", blobs " + report.blobsDeleted() + ", bytes freed "
                + report.bytesFreed());
    }

    static AccessControl open(BerthConfig config, MetadataDatabase database, Clock clock) {
        BerthConfig.Auth auth = config.auth();
        AuthStore store = database.auth();
        AccessPolicy policy = new AccessPolicy(store, clock);
        AccessAdmin admin = new AccessAdmin(store, policy, clock);
        Authenticator authenticator = new Authenticator(store, clock, auth.maxFailuresPerMinute());
        Path keyFile = auth.keyFile() == null || auth.keyFile().isBlank()
                ? config.data().resolve("auth").resolve("token-key.json") : Path.of(auth.keyFile());
        TokenService.External external = null;
        try {
            if (auth.external().enabled()) {
                external = new TokenService.External(auth.external().issuer(), auth.external().audience(),
                        TokenService.loadKeySet(Path.of(auth.external().jwksFile())));
            }
            TokenService tokens = new TokenService(TokenService.loadOrCreateKey(keyFile), auth.issuer(), auth.service(),
                    auth.tokenTtl(), clock, external);
            // Access control first; inside it, the audit of what the admitted caller changed.
            Filter filter = new AuthFilter(authenticator, tokens, policy, admin, auth.realm())
                    .around(new AuditFilter(admin::audit));
            TokenApi tokenApi = new TokenApi(authenticator, policy, tokens, store, auth.refreshTtl(), clock);
            return new AccessControl(store, policy, admin, authenticator, tokens, filter, tokenApi);
        } catch (IOException e) {
            throw new ConfigException("auth: " + e.getMessage());
        }
    }
}
