package io.berth.ui;

import io.berth.auth.AccessAdmin;
import io.berth.auth.Permissions;
import io.berth.oci.RegistryException;
import io.berth.registry.Lifecycle;
import io.berth.registry.Listing;
import io.berth.registry.Registry;

/**
 * What the management pages share: the domain services they call (the same as the management API's), the UI they
 * render in, and whether access control is on (off, there are no accounts, members or audit log).
 */
abstract class ManagementPage {
    /** The services, as WebUi.manage hands them over. */
    record Services(WebUi ui, Listing listing, Registry registry, Lifecycle lifecycle, AccessAdmin admin,
                    Permissions permissions, Pages pages, WebUi.Audit audit, boolean accessControl) {}

    final WebUi ui;
    final Listing listing;
    final Registry registry;
    final Lifecycle lifecycle;
    final AccessAdmin admin;
    final Permissions permissions;
    final Pages pages;
    final WebUi.Audit audit;
    final boolean accessControl;

    ManagementPage(Services services) {
        this.ui = services.ui();
        this.listing = services.listing();
        this.registry = services.registry();
        this.lifecycle = services.lifecycle();
        this.admin = services.admin();
        this.permissions = services.permissions();
        this.pages = services.pages();
        this.audit = services.audit();
        this.accessControl = services.accessControl();
    }

    /** A refusal's reason as a sentence. */
    static String reason(RegistryException e) {
        // Not capitalised: a message may begin with a name (a user, a namespace) that must read as typed.
        return e.getMessage() + ".";
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
