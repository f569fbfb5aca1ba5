package io.berth.boot;

import io.berth.auth.AccessAdmin;
import io.berth.auth.AccessPolicy;
import io.berth.auth.Authenticator;
import io.berth.auth.Permissions;
import io.berth.auth.RefreshTokens;
import io.berth.auth.TokenService;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.http.AuditFilter;
import io.berth.http.AuthFilter;
import io.berth.http.Installation;
import io.berth.http.ManagementApi;
import io.berth.http.Routes;
import io.berth.http.TokenApi;
import io.berth.metadata.AuthStore;
import io.berth.metadata.MetadataDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control as {@code serve} installs it, chosen once from {@code auth.enabled}: on, it adds the token endpoint,
 * the management API and the auth and audit filters; off, it adds nothing, says so in the log once the port is bound,
 * and lets every caller do everything. Nothing else asks whether it is on.
 */
sealed interface AccessControl permits AccessControl.On, AccessControl.Off {
    Logger LOG = LoggerFactory.getLogger(AccessControl.class);

    /** What the lifecycle API lets a caller do. */
    Permissions permissions();

    /** Where audit entries go. */
    AccessAdmin admin();

    /** The accounts people log in with (the web UI's login page); empty while access control is off. */
    Optional<Authenticator> logins();

    /** Adds this feature's routes and filters to the server being built. */
    void install(Installation server);

    /** Called once the server listens on url: off, this is where the open-registry warning goes. */
    default void announce(String url) {}

    static AccessControl from(BerthConfig config, Instance instance) {
        return config.auth().enabled() ? On.open(config, instance.database(), instance.clock())
                : new Off(config, instance.admin());
    }

    /** Access control on: the policy decides, callers authenticate, changes are audited. */
    record On(BerthConfig config, AccessPolicy policy, AccessAdmin admin, AuthFilter auth, TokenApi tokenApi,
              Authenticator authenticator)
            implements AccessControl {

        static On open(BerthConfig config, MetadataDatabase database, Clock clock) {
            BerthConfig.Auth auth = config.auth();
            AuthStore store = database.auth();
            AccessPolicy policy = new AccessPolicy(store, clock);
            AccessAdmin admin = new AccessAdmin(store, policy, clock);
            Authenticator authenticator = new Authenticator(store, clock, auth.maxFailuresPerMinute());
            Path keyFile = TokenService.keyFile(config);
            TokenService.External external = null;
            try {
                if (auth.external().enabled()) {
                    external = new TokenService.External(auth.external().issuer(), auth.external().audience(),
                            TokenService.loadKeySet(Path.of(auth.external().jwksFile())));
                }
                TokenService tokens = new TokenService(TokenService.loadOrCreateKey(keyFile), auth.issuer(),
                        auth.service(), auth.tokenTtl(), clock, external);
                AuthFilter filter = new AuthFilter(authenticator, tokens, policy, admin, auth.realm());
                TokenApi tokenApi = new TokenApi(authenticator, policy, tokens,
                        new RefreshTokens(store, authenticator, auth.refreshTtl(), clock));
                return new On(config, policy, admin, filter, tokenApi, authenticator);
            } catch (IOException e) {
                throw new ConfigException("auth: " + e.getMessage());
            }
        }

        @Override
        public Permissions permissions() {
            return policy;
        }

        @Override
        public Optional<Authenticator> logins() {
            return Optional.of(authenticator);
        }

        @Override
        public void install(Installation server) {
            admin.bootstrapAdmin(config.auth().adminPassword()).ifPresent(password -> {
                if (password.isEmpty()) {
                    LOG.info("created user 'admin' with the password from auth.adminPassword / BERTH_ADMIN_PASSWORD");
                } else {
                    LOG.warn("created user 'admin' with generated password: {} (shown once; change it with 'berth user passwd admin')", password);
                }
            });
            server.routes(Routes.access(tokenApi, new ManagementApi(admin)));
            // Access control first; inside it, the audit of what the admitted caller changed.
            server.filter(auth).filter(new AuditFilter(admin::audit));
        }
    }

    /** Access control off: no routes; its one filter lets every caller, anonymous, do everything. */
    record Off(BerthConfig config, AccessAdmin admin) implements AccessControl {
        @Override
        public Permissions permissions() {
            return Permissions.OPEN;
        }

        @Override
        public Optional<Authenticator> logins() {
            return Optional.empty();
        }

        @Override
        public void install(Installation server) {
            server.filter(AuthFilter.OPEN);
            // The warning waits for the port (announce), so a server that fails to start does not warn about a
            // registry that never opened.
        }

        @Override
        public void announce(String url) {
            LOG.warn("access control is off (auth.enabled=false): anyone who reaches {} may push, pull and delete",
                    url);
        }
    }
}
