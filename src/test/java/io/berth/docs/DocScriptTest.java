package io.berth.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The docs test's own machinery: what it changes in a page's commands, and that a wrong page fails it. */
@Timeout(60)
class DocScriptTest {
    @TempDir
    Path dir;

    @Test
    void pathsMoveIntoTheSandboxAndPortsBecomeTheTestsPorts() {
        DocScript script = new DocScript(Path.of("/sb"), Map.of(5000, 41000, 5001, 41001, 5999, 41999));
        assertEquals("mkdir -p /sb/srv/berth && skopeo copy oci:/sb/tmp/img:v1 docker://localhost:41000/a/b:1 /etc/hostname",
                script.substitute("mkdir -p /srv/berth && skopeo copy oci:/tmp/img:v1 docker://localhost:5000/a/b:1 /etc/hostname"));
        assertEquals("./berth serve --listen 127.0.0.1:41001 --data /sb/var/lib/berth",
                script.substitute("./berth serve --listen 127.0.0.1:5001 --data /var/lib/berth"));
        assertThrows(AssertionError.class, () -> script.substitute("curl localhost:8080/"));
        DocScript scaleOut = new DocScript(Path.of("/sb"), Map.of(5000, 41000),
                Map.of(DocScript.S3_ENDPOINT, "http://127.0.0.1:42000", DocScript.POSTGRES, "127.0.0.1:43000"));
        assertEquals("endpoint: http://127.0.0.1:42000\nurl: jdbc:postgresql://127.0.0.1:43000/berth\nkeyFile: /sb/etc/berth/key.json",
                scaleOut.substitute("endpoint: http://minio.internal:9000\nurl: jdbc:postgresql://db.internal:5432/berth\n"
                        + "keyFile: /etc/berth/key.json"));
    }

    @Test
    void aCommandThatDoesNotPrintWhatThePageSaysFails() throws Exception {
        assertEquals(0, run("echo 'status: ready'   # => ready\n"));
        assertEquals(1, run("echo 'status: starting'   # => ready\n"));
    }

    @Test
    void aFailingCommandStopsThePage() throws Exception {
        assertEquals(1, run("false\necho never\n"));
    }

    @Test
    void fencesMustNameTheirLanguageAndNoRunBlocksSayWhy() throws IOException {
        Path page = dir.resolve("page.md");
        Files.writeString(page, "```sh\necho one\n```\n\n```sh no-run: needs a cluster\nkubectl apply\n```\n\n"
                + "```` ```sh ```` in a sentence\n\n```yaml\na: 1\n```\n");
        List<DocBlock> blocks = DocBlock.parse(page);
        assertEquals(List.of(true, false, false), blocks.stream().map(DocBlock::runs).toList());
        assertEquals("needs a cluster", blocks.get(1).noRunReason());
        for (String bad : List.of("```\necho hidden\n```\n", "```bash\necho hidden\n```\n", "```sh no-run\nx\n```\n")) {
            Files.writeString(page, bad);
            assertThrows(AssertionError.class, () -> DocBlock.parse(page), bad);
        }
    }

    private int run(String block) throws Exception {
        Path page = dir.resolve("run.md");
        Files.writeString(page, "```sh\n" + block + "```\n");
        String text = new DocScript(dir, Map.of(5000, 41000)).script(dir, DocBlock.parse(page));
        Path script = dir.resolve("script.sh");
        Files.writeString(script, text);
        Process bash = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile()).start();
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        if (block.contains("never")) {
            assertTrue(!Files.readString(dir.resolve("out.log")).contains("never"));
        }
        return bash.exitValue();
    }
}
