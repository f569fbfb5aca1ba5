package io.berth.ui;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.Utf8ByteOutput;
import io.berth.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * Renders the precompiled templates (src/main/jte, compiled to io.berth.ui.jte at build time) into responses with
 * the UI's security headers, and serves its static files: our stylesheet and script, and htmx from its webjar.
 */
final class Pages {
    /** Scripts and styles only from this origin: no inline script or style anywhere. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static final String HTMX_WEBJAR = "META-INF/maven/org.webjars.npm/htmx.org/pom.properties";

    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html, null,
            "io.berth.ui.jte");
    private final byte[] style = resource("io/berth/ui/static/style.css");
    private final byte[] script = resource("io/berth/ui/static/ui.js");
    private final byte[] htmx = resource("META-INF/resources/webjars/htmx.org/" + htmxVersion() + "/dist/htmx.min.js");

    /** A page from template with its parameters, with status. */
    Response render(int status, String template, Map<String, Object> params) {
        Utf8ByteOutput out = new Utf8ByteOutput();
        templates.render(template, params, out);
        return secured(Response.status(status)).header("Cache-Control", "no-store")
                .body(out.toByteArray(), "text/html; charset=utf-8");
    }

    /** A 303 to location (a path on this server). */
    static Response redirect(String location) {
        return secured(Response.status(303)).header("Location", location).header("Cache-Control", "no-store");
    }

    static Response secured(Response response) {
        return response.header("Content-Security-Policy", CSP).header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "same-origin").header("X-Frame-Options", "DENY");
    }

    Response style() {
        return asset(style, "text/css; charset=utf-8");
    }

    Response script() {
        return asset(script, "text/javascript; charset=utf-8");
    }

    Response htmx() {
        return asset(htmx, "text/javascript; charset=utf-8");
    }

    private static Response asset(byte[] bytes, String type) {
        return secured(Response.status(200)).header("Cache-Control", "public, max-age=3600").body(bytes, type);
    }

    private static String htmxVersion() {
        Properties properties = new Properties();
        try (InputStream in = stream(HTMX_WEBJAR)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version");
    }

    private static byte[] resource(String name) {
        try (InputStream in = stream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream stream(String name) {
        InputStream in = Pages.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing from the jar: " + name);
        }
        return in;
    }
}
