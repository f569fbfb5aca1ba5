package io.berth.auth;

import io.berth.oci.RepositoryName;

/**
 * What a caller may do through the management API. {@code serve} chooses one at start-up: the {@link AccessPolicy}
 * while access control is on, {@link #OPEN} while it is off, so the API asks the same questions either way.
 */
public interface Permissions {
    /** Access control is off: everyone may do everything, as on the registry API. */
    Permissions OPEN = new Permissions() {
        @Override
        public boolean may(Principal caller, RepositoryName repository, String action) {
            return true;
        }

        @Override
        public boolean canManage(Principal caller, String namespace) {
            return true;
        }

        @Override
        public boolean canRead(Principal caller, String namespace) {
            return true;
        }

        @Override
        public boolean isAdmin(Principal caller) {
            return true;
        }

        @Override
        public boolean isMember(Principal caller, String namespace) {
            return true;
        }
    };

    /** Whether caller holds action (pull, push, delete) on repository. */
    boolean may(Principal caller, RepositoryName repository, String action);

    /** Whether caller may change a namespace's settings. */
    boolean canManage(Principal caller, String namespace);

    /** Whether caller may read a namespace's settings. */
    boolean canRead(Principal caller, String namespace);

    /** Whether caller is the admin or holds a role in namespace (a robot token: made for it by such a member). */
    boolean isMember(Principal caller, String namespace);

    /** Whether caller may run instance-wide operations (garbage collection, forced deletes, quotas). */
    boolean isAdmin(Principal caller);
}
