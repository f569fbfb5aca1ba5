/**
 * The image inventory: which packages an image's final filesystem holds, read from its layers as streams.
 *
 * <p>{@link io.berth.scan.inventory.ImageInventory} takes an image's layers bottom first
 * ({@link io.berth.scan.inventory.Layer}: digest, media type, a way to open the stored blob). Each layer is read once
 * by {@link io.berth.scan.inventory.LayerScanner} into {@link io.berth.scan.inventory.LayerFindings}: the files of
 * interest it writes and what each held, its whiteouts ({@code .wh.NAME}) and opaque directories
 * ({@code .wh..wh..opq}). Findings depend on nothing but the layer, so {@link io.berth.scan.inventory.LayerCache}
 * keeps them by digest (a bounded LRU; {@link io.berth.scan.inventory.LayerFindings#toJson()} for a persistent tier)
 * and a base layer shared by many images is read once. The findings are then applied in order, as a union filesystem
 * would, and the packages of the files left make the {@link io.berth.scan.inventory.Inventory}, each an
 * {@link io.berth.scan.InstalledPackage} with its OSV ecosystem and purl.
 *
 * <p>What is read:
 * <ul>
 *   <li>layers: tar, tar+gzip, tar+zstd (told by magic bytes), pax and GNU long names, hard and symbolic links;</li>
 *   <li>dpkg: {@code var/lib/dpkg/status} (installed packages only) and distroless {@code var/lib/dpkg/status.d/*};
 *       source name and, where it differs, source version;</li>
 *   <li>apk: {@code lib/apk/db/installed} with origins;</li>
 *   <li>rpm: {@code rpmdb.sqlite} (with its write-ahead log from the same layer) and the Berkeley DB
 *       {@code Packages}; not the ndb {@code Packages.db} (reported as skipped);</li>
 *   <li>distribution: {@code etc/os-release}, else {@code usr/lib/os-release}, to OSV ecosystems {@code Debian:12},
 *       {@code Ubuntu:22.04:LTS}, {@code Alpine:v3.20}, {@code Rocky Linux:9}, {@code AlmaLinux:9},
 *       {@code Red Hat:enterprise_linux:9}, {@code Wolfi}, {@code Chainguard}, {@code openSUSE:Leap 15.5};</li>
 *   <li>Java: jar, war, ear ({@code pom.properties}, nested archives to depth 4, {@code MANIFEST.MF} as a fallback);</li>
 *   <li>Python: {@code *.dist-info/METADATA}, {@code *.egg-info/PKG-INFO}, {@code *.egg-info} files (PEP 503 names);</li>
 *   <li>npm: {@code node_modules/[@scope/]name/package.json};</li>
 *   <li>Go: executables with Go 1.18+ build information (main module, dependencies, replacements, {@code stdlib}).</li>
 * </ul>
 * Text files are buffered up to {@link io.berth.scan.inventory.LayerScanner#MAX_BUFFERED} bytes each, rpm databases
 * go to a temporary file; a file that cannot be read is listed in {@link io.berth.scan.inventory.Inventory#skipped()}
 * with its reason and the rest of the layer is read.
 */
package io.berth.scan.inventory;
