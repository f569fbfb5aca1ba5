package io.berth.ui;

/**
 * What every page's frame shows: its title, whether logging in exists (access control on), who is logged in (null:
 * nobody), the session's CSRF token for the forms on the page, and whether the visitor may open the admin pages.
 */
public record Chrome(String title, boolean loginEnabled, String user, String csrf, boolean admin) {}
