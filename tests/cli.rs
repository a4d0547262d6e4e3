//! The command line of `check`, `fix` and `filter` as a user meets it: every batch flag, every
//! kind of bad input and `unspin.toml`, each with its exit code and message. Each test builds
//! its own small tree under the temp folder and runs the real binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A spun text the engine repairs with high confidence, and a clean one it leaves alone.
const SPUN: &str = "The White Home press secretary mentioned on Friday that the conflict could lastly come to an finish.\nThe firm mentioned its inventory fell this yr, as buyers feared the financial system would shrink.\n\nOfficials mentioned the talks would proceed subsequent week at a information convention in Washington.\n";
const CLEAN: &str = "The city council met on Tuesday evening to discuss the new budget for the coming year. Members said the plan would add money for schools, roads and parks, while holding property taxes at their current level. The mayor told reporters that the vote had been close, but that most residents supported the changes. Several business owners spoke during the public comment period and asked the council to do more for small shops downtown. The council will meet again next month to review the final numbers before the budget takes effect in July.\n";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_unspin"));
    c.env_remove("UNSPIN_LARGE_FILE");
    c
}

/// A fresh folder for one test.
fn tree(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("unspin-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn put(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run_cmd(bin().current_dir(dir).args(args), stdin)
}

fn run_cmd(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = w.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit code, stdout and stderr, with a readable failure.
#[track_caller]
fn expect(out: &Output, code: i32, stdout_has: &[&str], stderr_has: &[&str]) {
    let (o, e) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(code), "stdout:\n{o}\nstderr:\n{e}");
    for s in stdout_has {
        assert!(o.contains(s), "stdout lacks {s:?}:\n{o}\nstderr:\n{e}");
    }
    for s in stderr_has {
        assert!(e.contains(s), "stderr lacks {s:?}:\n{e}");
    }
}

#[test]
fn check_walks_folders_in_order_skipping_hidden_and_binary_files() {
    let d = tree("walk");
    put(&d, "in/b/two.txt", SPUN);
    put(&d, "in/a.txt", SPUN);
    put(&d, "in/clean.md", CLEAN);
    put(&d, "in/.hidden.txt", SPUN);
    put(&d, "in/.git/x.txt", SPUN);
    put(&d, "in/image.png", b"\x89PNG\0\0\0");
    let out = run(&d, &["check", "--format", "brief", "in"], b"");
    expect(
        &out,
        2,
        &["in/a.txt:1:11: `Home` -> `House`"],
        &[
            "note: skipped hidden file in/.hidden.txt",
            "note: skipped hidden folder in/.git",
            "note: skipped in/image.png (binary: contains NUL bytes)",
            "unspin: 3 files",
            "3 skipped",
            "spin scores 0-0.2: 1",
        ],
    );
    let o = text(&out.stdout);
    assert!(o.find("in/a.txt").unwrap() < o.find("in/b/two.txt").unwrap());
    assert!(!o.contains("hidden"));
    // --quiet: no notes, no summary.
    let out = run(&d, &["check", "-q", "--format", "brief", "in"], b"");
    expect(&out, 2, &[], &[]);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn check_glob_exclude_and_jobs() {
    let d = tree("glob");
    put(&d, "in/a.txt", SPUN);
    put(&d, "in/b.md", SPUN);
    put(&d, "in/drafts/c.txt", SPUN);
    put(&d, "in/d.txt", CLEAN);
    let out = run(
        &d,
        &[
            "check",
            "-q",
            "--format",
            "brief",
            "--glob",
            "*.txt",
            "--exclude",
            "drafts",
            "in",
        ],
        b"",
    );
    expect(&out, 2, &["in/a.txt:"], &[]);
    let o = text(&out.stdout);
    assert!(!o.contains("b.md") && !o.contains("drafts"), "{o}");
    let out = run(
        &d,
        &["check", "--format", "brief", "--glob", "*.md", "in"],
        b"",
    );
    expect(&out, 2, &["in/b.md:"], &[]);
    let one = run(
        &d,
        &["check", "-q", "-j", "1", "--format", "json", "in"],
        b"",
    );
    let two = run(
        &d,
        &["check", "-q", "-j", "2", "--format", "json", "in"],
        b"",
    );
    assert_eq!(one.stdout, two.stdout);
    let none = run(&d, &["check", "--glob", "*.pdf", "in"], b"");
    expect(
        &none,
        0,
        &[],
        &["note: no files to read; check the paths, --glob and --exclude"],
    );
    let bad = run(&d, &["check", "--glob", "a[", "in"], b"");
    expect(&bad, 1, &[], &["--glob \"a[\" is not a valid glob"]);
}

#[test]
fn check_file_list_from_file_and_stdin() {
    let d = tree("list");
    put(&d, "a.txt", SPUN);
    put(&d, "b.txt", CLEAN);
    std::fs::create_dir_all(d.join("sub")).unwrap();
    put(&d, "list.txt", "a.txt\n\nb.txt\r\nsub\nmissing.txt\n");
    let out = run(
        &d,
        &["check", "--format", "brief", "--file-list", "list.txt"],
        b"",
    );
    expect(
        &out,
        1,
        &["a.txt:1:11:"],
        &[
            "sub (in the --file-list) is a directory; list files, or pass the folder as an argument",
            "cannot read missing.txt; check the path",
        ],
    );
    let out = run(
        &d,
        &["check", "-q", "--format", "brief", "--file-list", "-"],
        b"b.txt\na.txt\n",
    );
    expect(&out, 2, &["a.txt:1:11:"], &[]);
    let out = run(&d, &["check", "--file-list", "sub"], b"");
    expect(
        &out,
        1,
        &[],
        &["sub is a directory: --file-list takes a file with one path per line"],
    );
    let out = run(&d, &["check", "--file-list", "-", "-"], b"");
    expect(
        &out,
        1,
        &[],
        &["standard input cannot be both the --file-list and an input"],
    );
}

#[test]
fn check_json_records_and_bad_inputs_in_order() {
    let d = tree("json");
    put(&d, "a.txt", SPUN);
    put(&d, "bin.dat", b"ab\0cd");
    put(&d, "latin1.txt", b"caf\xe9 mentioned\n");
    put(&d, "empty.txt", b"");
    std::fs::create_dir_all(d.join("dir")).unwrap();
    let out = run(
        &d,
        &[
            "check",
            "-q",
            "--format",
            "json",
            "nope.txt",
            "bin.dat",
            "latin1.txt",
            "empty.txt",
            "a.txt",
        ],
        b"",
    );
    expect(
        &out,
        1,
        &[
            r#"{"type":"error","path":"nope.txt","message":"cannot read nope.txt; check the path: No such file or directory"#,
            r#"{"type":"error","path":"bin.dat","message":"bin.dat: looks binary (contains NUL bytes); unspin reads text only"#,
            r#"{"type":"error","path":"latin1.txt","message":"latin1.txt: not valid UTF-8 (first bad byte at offset 3); convert it to UTF-8 first"#,
            r#"{"type":"document","path":"empty.txt","words":0,"repairs":0,"#,
            r#"{"type":"repair","path":"a.txt","line":1,"column":11,"start":10,"end":14,"spun":"Home","suggestions":[{"text":"House","confidence":"#,
            r#"{"type":"summary","files":5,"repairs":"#,
            r#""errors":3}"#,
        ],
        &[
            "unspin: error: latin1.txt: not valid UTF-8",
            "or pass --encoding lossy",
        ],
    );
    let o = text(&out.stdout);
    assert!(o.find("nope.txt").unwrap() < o.find("bin.dat").unwrap());
    assert!(o.find("empty.txt").unwrap() < o.find("\"a.txt\"").unwrap());
    // Opting in to lossy decoding; empty files are fine.
    let out = run(
        &d,
        &[
            "check",
            "--encoding",
            "lossy",
            "--format",
            "brief",
            "latin1.txt",
        ],
        b"",
    );
    expect(&out, 2, &["latin1.txt:1:6: `mentioned` -> `said`"], &[]);
    let out = run(&d, &["check", "empty.txt"], b"");
    expect(&out, 0, &["empty.txt: 0 repairs in 0 words"], &[]);
    // A folder walked is fine; a folder where a file is expected is not.
    let out = run(&d, &["check", "--config", "dir", "a.txt"], b"");
    expect(
        &out,
        1,
        &[],
        &["dir is a directory: --config takes an unspin.toml file"],
    );
}

#[test]
fn permission_denied_names_the_file() {
    let d = tree("perm");
    let p = put(&d, "locked.txt", SPUN);
    put(&d, "ok.txt", SPUN);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut cmd = if std::fs::read(&p).is_ok() {
        // Root reads anything: drop to nobody for this run, where setpriv exists.
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("skipped: running as root without setpriv");
            return;
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_unspin"));
        c
    } else {
        bin()
    };
    let out = run_cmd(
        cmd.current_dir(&d)
            .args(["check", "--format", "brief", "locked.txt", "ok.txt"]),
        b"",
    );
    expect(
        &out,
        1,
        &["ok.txt:1:11:"],
        &["cannot read locked.txt; check its permissions: Permission denied"],
    );
}

#[test]
fn crlf_and_bom_are_kept_and_offsets_count_them() {
    let d = tree("crlf");
    let crlf = format!("\u{feff}{}", SPUN.replace('\n', "\r\n"));
    put(&d, "a.txt", &crlf);
    let out = run(&d, &["fix", "a.txt"], b"");
    expect(&out, 0, &[], &[]);
    let fixed = text(&out.stdout);
    assert!(
        fixed.starts_with("\u{feff}The White House press secretary said"),
        "{fixed}"
    );
    assert_eq!(fixed.matches("\r\n").count(), crlf.matches("\r\n").count());
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count());
    let out = run(&d, &["check", "-q", "--format", "json", "a.txt"], b"");
    assert_repairs_point_at_their_text(&out, crlf.as_bytes());
}

/// Every repair record's byte span holds its spun text, and its line and column lead there.
#[track_caller]
fn assert_repairs_point_at_their_text(out: &Output, file: &[u8]) {
    let mut n = 0;
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "repair" {
            continue;
        }
        n += 1;
        let (s, e) = (
            v["start"].as_u64().unwrap() as usize,
            v["end"].as_u64().unwrap() as usize,
        );
        let spun = v["spun"].as_str().unwrap();
        assert_eq!(&file[s..e], spun.as_bytes());
        let body = std::str::from_utf8(file)
            .unwrap()
            .trim_start_matches('\u{feff}');
        let l = body
            .split('\n')
            .nth(v["line"].as_u64().unwrap() as usize - 1)
            .unwrap();
        let col = v["column"].as_u64().unwrap() as usize;
        let at: String = l.chars().skip(col - 1).take(spun.chars().count()).collect();
        assert_eq!(at, spun, "{line}");
    }
    assert!(n >= 5, "{}", text(&out.stdout));
}

#[test]
fn large_files_are_repaired_part_by_part() {
    let d = tree("large");
    let doc = format!("\u{feff}{}", SPUN.replace('\n', "\r\n").repeat(40));
    put(&d, "big.txt", &doc);
    let small = run(&d, &["fix", "big.txt"], b"");
    let parts = run_cmd(
        bin()
            .env("UNSPIN_LARGE_FILE", "2000")
            .current_dir(&d)
            .args(["fix", "big.txt"]),
        b"",
    );
    expect(&parts, 0, &[], &[]);
    assert_eq!(text(&parts.stdout), text(&small.stdout));
    let json = run_cmd(
        bin()
            .env("UNSPIN_LARGE_FILE", "2000")
            .current_dir(&d)
            .args(["check", "--format", "json", "big.txt"]),
        b"",
    );
    expect(&json, 2, &[r#""line":160,"#], &[]);
    assert_repairs_point_at_their_text(&json, doc.as_bytes());
    // Standard input is streamed the same way.
    let piped = run_cmd(
        bin()
            .env("UNSPIN_LARGE_FILE", "2000")
            .current_dir(&d)
            .args(["fix"]),
        doc.as_bytes(),
    );
    assert_eq!(text(&piped.stdout), text(&small.stdout));
    // In place, through a temp file beside it.
    let w = run_cmd(
        bin()
            .env("UNSPIN_LARGE_FILE", "2000")
            .current_dir(&d)
            .args(["fix", "-w", "big.txt"]),
        b"",
    );
    expect(&w, 0, &[], &[]);
    assert_eq!(std::fs::read(d.join("big.txt")).unwrap(), small.stdout);
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
}

#[test]
fn fix_write_in_place_with_backup_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let d = tree("write");
    let a = put(&d, "a.txt", SPUN);
    let c = put(&d, "c.txt", CLEAN);
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(
        &d,
        &["fix", "-w", "--backup", ".orig", "a.txt", "c.txt"],
        b"",
    );
    expect(&out, 0, &[], &["unspin: 2 files"]);
    assert!(out.stdout.is_empty());
    let fixed = std::fs::read_to_string(&a).unwrap();
    assert!(
        fixed.starts_with("The White House press secretary said"),
        "{fixed}"
    );
    assert_eq!(std::fs::read_to_string(d.join("a.txt.orig")).unwrap(), SPUN);
    assert_eq!(
        std::fs::metadata(&a).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(std::fs::read_to_string(&c).unwrap(), CLEAN);
    assert!(
        !d.join("c.txt.orig").exists(),
        "unchanged files are not rewritten"
    );
    let names: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let out = run(&d, &["fix", "-w"], SPUN.as_bytes());
    expect(
        &out,
        1,
        &[],
        &["--write needs files: standard input has nowhere to be written"],
    );
    let out = run(&d, &["fix", "--backup", "x", "a.txt"], b"");
    expect(&out, 1, &[], &["--write"]);
    // An empty suffix would name the file itself: refused before anything is touched.
    let out = run(&d, &["fix", "-w", "--backup", "", "a.txt"], b"");
    expect(&out, 1, &[], &["cannot be a backup suffix"]);
    assert!(d.join("a.txt").exists());
}

/// `fix -w` over a folder rewrites documents only: not the settings, not a spin table they
/// name, not the backups of an earlier run, not through a symlink found there; a symlink
/// named is written through and stays a link.
#[test]
fn fix_write_spares_settings_tables_backups_and_symlinks() {
    let d = tree("spare");
    put(&d, "in/a.txt", SPUN);
    put(&d, "real/b.txt", SPUN);
    let table = "mentioned\tsaid\t9\n1000's\tthousands\t5\n";
    put(&d, "in/house.tsv", table);
    put(&d, "in/unspin.toml", "spin_tables = [\"house.tsv\"]\n");
    std::os::unix::fs::symlink("../real/b.txt", d.join("in/b.txt")).unwrap();
    for _ in 0..2 {
        let out = run(&d, &["fix", "-w", "--backup", ".orig", "in"], b"");
        expect(&out, 0, &[], &[]);
    }
    assert_eq!(
        std::fs::read_to_string(d.join("in/house.tsv")).unwrap(),
        table
    );
    assert_eq!(
        std::fs::read_to_string(d.join("in/a.txt.orig")).unwrap(),
        SPUN
    );
    assert!(!d.join("in/a.txt.orig.orig").exists());
    // A link found in the folder is left out; named, it is written through and stays a link.
    assert_eq!(std::fs::read_to_string(d.join("real/b.txt")).unwrap(), SPUN);
    let out = run(&d, &["fix", "-w", "in/b.txt"], b"");
    expect(&out, 0, &[], &[]);
    let link = std::fs::symlink_metadata(d.join("in/b.txt")).unwrap();
    assert!(link.file_type().is_symlink());
    let b = std::fs::read_to_string(d.join("real/b.txt")).unwrap();
    assert!(b.starts_with("The White House press secretary said"), "{b}");
    // `check` knows no backup suffix: a.txt, its backup and b.txt, not the settings.
    let out = run(&d, &["check", "--format", "brief", "in"], b"");
    let err = text(&out.stderr);
    assert!(err.contains("3 files"), "{err}");
    assert!(err.contains("skipped in/unspin.toml (settings"), "{err}");
}

#[test]
fn a_file_reached_twice_is_read_once() {
    let d = tree("twice");
    put(&d, "in/a.txt", SPUN);
    put(&d, "in/sub/b.txt", SPUN);
    let out = run(
        &d,
        &["check", "--format", "brief", "in", "in/sub", "in/a.txt"],
        b"",
    );
    expect(
        &out,
        2,
        &["in/a.txt:", "in/sub/b.txt:"],
        &["unspin: 2 files"],
    );
    // One file under several spellings, and standard input named twice, are read once.
    let out = run(
        &d,
        &[
            "check",
            "--format",
            "brief",
            "in/a.txt",
            "./in/a.txt",
            "-",
            "-",
        ],
        SPUN.as_bytes(),
    );
    expect(&out, 2, &["in/a.txt:", "-:"], &["unspin: 2 files"]);
    let out = run(
        &d,
        &["fix", "-w", "in/a.txt", "./in/a.txt", "in/../in/a.txt"],
        b"",
    );
    expect(&out, 0, &[], &[]);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let fixed = std::fs::read_to_string(d.join("in/a.txt")).unwrap();
    assert!(fixed.starts_with("The White House"), "{fixed}");
}

/// A pipe or a device named as a file is read once as it comes, like standard input: a
/// binary stream is reported after its first part, not read to the end.
#[test]
fn pipes_and_devices_are_streamed() {
    let d = tree("streams");
    let out = run(
        &d,
        &["check", "--format", "brief", "/dev/stdin"],
        SPUN.as_bytes(),
    );
    expect(&out, 2, &["/dev/stdin:1:11: `Home` -> `House`"], &[]);
    let out = run(&d, &["check", "/dev/zero"], b"");
    expect(&out, 1, &[], &["/dev/zero: looks binary"]);
    let out = run(&d, &["fix", "-w", "/dev/stdin"], SPUN.as_bytes());
    expect(&out, 1, &[], &["is not a regular file"]);
}

/// A folder whose settings cannot be used: its files are errors, the others are checked and
/// printed, and the run ends with exit 1.
#[test]
fn bad_settings_fail_their_own_files_only() {
    let d = tree("bad-settings");
    put(&d, "a/x.txt", SPUN);
    put(&d, "b/unspin.toml", "bogus_key = 1\n");
    put(&d, "b/x.txt", SPUN);
    put(&d, "c/x.txt", SPUN);
    let out = run(&d, &["check", "--format", "json", "a", "b", "c"], b"");
    expect(
        &out,
        1,
        &[r#""path":"a/x.txt""#, r#""path":"c/x.txt""#],
        &["bogus_key"],
    );
    let o = text(&out.stdout);
    assert!(o.contains(r#"{"type":"error","path":"b/x.txt""#), "{o}");
    assert!(
        o.contains(r#""files":3,"#) && o.contains(r#""errors":1}"#),
        "{o}"
    );
}

#[test]
fn a_large_file_after_small_ones_is_written_once() {
    // Files over 4 MiB run alone: one met while a group of small files is being formed
    // waits for the next round, and is checked for clashes once, not again then.
    let d = tree("large-after-small");
    put(&d, "a/1.txt", SPUN);
    put(&d, "a/2.txt", CLEAN.repeat((4 << 20) / CLEAN.len() + 1));
    put(&d, "b/3.txt", SPUN);
    let out = run(&d, &["fix", "--out-dir", "o", "a", "b"], b"");
    expect(&out, 0, &[], &["unspin: 3 files", "0 errors"]);
    for f in ["o/1.txt", "o/2.txt", "o/3.txt"] {
        assert!(d.join(f).exists(), "{f} written");
    }
}

#[test]
fn fix_out_dir_mirrors_the_tree_and_resumes() {
    let d = tree("outdir");
    put(&d, "in/a.txt", SPUN);
    put(&d, "in/sub/b.txt", SPUN);
    put(&d, "in/sub/c.txt", CLEAN);
    put(&d, "in/bad.txt", b"caf\xe9\n");
    // The output folder inside the input folder is never walked into.
    let out = run(&d, &["fix", "--out-dir", "in/clean", "in"], b"");
    expect(
        &out,
        1,
        &[],
        &["in/bad.txt: not valid UTF-8", "unspin: 4 files", "1 errors"],
    );
    assert!(out.stdout.is_empty());
    let a = std::fs::read_to_string(d.join("in/clean/a.txt")).unwrap();
    assert!(a.starts_with("The White House"), "{a}");
    assert_eq!(
        std::fs::read_to_string(d.join("in/clean/sub/c.txt")).unwrap(),
        CLEAN
    );
    assert!(std::fs::read_to_string(d.join("in/clean/sub/b.txt")).is_ok());
    assert!(
        !d.join("in/clean/bad.txt").exists(),
        "no output for a failed input"
    );
    assert_eq!(std::fs::read_dir(d.join("in/clean")).unwrap().count(), 2);
    std::fs::remove_file(d.join("in/bad.txt")).unwrap();
    std::fs::remove_file(d.join("in/clean/sub/b.txt")).unwrap();
    let out = run(&d, &["fix", "--out-dir", "in/clean", "--resume", "in"], b"");
    expect(&out, 0, &[], &["unspin: 3 files", "2 already done"]);
    assert!(std::fs::read_to_string(d.join("in/clean/sub/b.txt"))
        .unwrap()
        .starts_with("The White House"));
    // Files named directly land by file name; clashes and bad targets are refused.
    put(&d, "x/a.txt", SPUN);
    let out = run(&d, &["fix", "--out-dir", "o", "in/a.txt", "x/a.txt"], b"");
    expect(
        &out,
        1,
        &[],
        &["x/a.txt: its copy o/a.txt would overwrite the one from in/a.txt"],
    );
    let out = run(&d, &["fix", "--out-dir", "in", "in/a.txt"], b"");
    expect(&out, 1, &[], &["its copy would overwrite the file itself"]);
    let out = run(&d, &["fix", "--out-dir", "in/a.txt", "x"], b"");
    expect(
        &out,
        1,
        &[],
        &["--out-dir in/a.txt is a file; name a folder"],
    );
    let out = run(&d, &["fix", "--out-dir", "o", "-w", "x"], b"");
    expect(&out, 1, &[], &["cannot be used with"]);
}

/// The reader went away before the end: what the rest of the input holds is unknown, so the
/// exit code is that of a program SIGPIPE stopped (141), not 0 ("nothing found").
#[test]
fn closed_stdout_exits_quietly() {
    let d = tree("pipe");
    put(&d, "a.txt", SPUN.repeat(3));
    let mut child = bin()
        .current_dir(&d)
        .args(["fix", "a.txt", "a.txt"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn config_is_found_walking_up_and_unknown_keys_are_named() {
    let d = tree("config");
    put(
        &d,
        "proj/unspin.toml",
        "never_touch = [\"White Home\", \"firm\"]\nmin_confidence = 0.9\n",
    );
    put(&d, "proj/deep/er/a.txt", SPUN);
    put(&d, "other/a.txt", SPUN);
    let out = run(
        &d,
        &["check", "-q", "--format", "brief", "proj", "other"],
        b"",
    );
    let o = text(&out.stdout);
    assert!(!o.contains("proj/deep/er/a.txt:1:11:"), "{o}");
    assert!(!o.contains("proj/deep/er/a.txt:2:5:"), "{o}");
    assert!(
        o.contains("proj/deep/er/a.txt:1:32: `mentioned` -> `said`"),
        "{o}"
    );
    assert!(o.contains("other/a.txt:1:11: `Home` -> `House`"), "{o}");
    // An extra spin table, relative to the config file.
    put(&d, "tab/unspin.toml", "spin_tables = [\"house.tsv\"]\n");
    put(&d, "tab/house.tsv", "# spun\toriginal\ngizmo\twidget\n");
    put(
        &d,
        "tab/a.txt",
        "The firm mentioned its gizmo sales fell this yr.\n",
    );
    let out = run(&d, &["check", "-q", "--format", "brief", "tab/a.txt"], b"");
    expect(&out, 2, &["`gizmo` -> `widget`"], &[]);
    // min_spin_score leaves documents that look less spun than it alone: a document two
    // thirds spun, one third clean scores high but not 1.
    let spun: String = SPUN
        .lines()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let half = format!("{spun} {spun} {CLEAN}");
    put(&d, "ms/a.txt", &half);
    let out = run(&d, &["check", "-q", "--format", "json", "ms/a.txt"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let score: f64 = text(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "document")
        .and_then(|v| v["spin_score"].as_f64())
        .unwrap();
    assert!(score > 0.5 && score < 1.0, "spin score {score}");
    // A threshold between the score and 1 (the score moves as the tables grow).
    put(
        &d,
        "ms/unspin.toml",
        format!("min_spin_score = {}\n", (score + 1.0) / 2.0),
    );
    expect(
        &run(&d, &["check", "-q", "ms/a.txt"], b""),
        0,
        &["0 repairs"],
        &[],
    );
    // --config wins over the file found.
    let out = run(
        &d,
        &[
            "check",
            "-q",
            "--format",
            "brief",
            "--config",
            "tab/unspin.toml",
            "proj",
        ],
        b"",
    );
    expect(
        &out,
        2,
        &["proj/deep/er/a.txt:1:11: `Home` -> `House`"],
        &[],
    );
    // Mistakes name the file, the line and the key.
    put(
        &d,
        "typo/unspin.toml",
        "min_confidence = 0.5\nnever_tuoch = [\"x\"]\n",
    );
    put(&d, "typo/a.txt", SPUN);
    let out = run(&d, &["check", "typo/a.txt"], b"");
    expect(
        &out,
        1,
        &[],
        &["typo/unspin.toml: line 2: unknown field `never_tuoch`, expected one of"],
    );
    put(&d, "range/unspin.toml", "min_spin_score = 3\n");
    put(&d, "range/a.txt", SPUN);
    let out = run(&d, &["check", "range/a.txt"], b"");
    expect(&out, 1, &[], &["`min_spin_score` must be between 0 and 1"]);
    put(&d, "tsv/unspin.toml", "spin_tables = [\"missing.tsv\"]\n");
    put(&d, "tsv/a.txt", SPUN);
    let out = run(&d, &["check", "tsv/a.txt"], b"");
    expect(
        &out,
        1,
        &[],
        &[
            "loading the spin tables named in",
            "cannot read the spin table",
            "missing.tsv",
        ],
    );
}

fn jsonl() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(
        br#"{"id":1, "text":"The White Home mentioned on Friday that the firm's inventory fell as buyers feared the financial system would shrink.","n":1.50e2,"u":"\u00e9"}"#,
    );
    v.extend_from_slice(b"\nnot json\n");
    v.extend_from_slice(br#"{"id":3}"#);
    v.extend_from_slice(b"\n");
    v.extend_from_slice(br#"{"id":4,"text":5}"#);
    v.extend_from_slice(b"\n\n");
    v.extend_from_slice(br#"{"id":6,"content":{"body":"The firm mentioned its inventory fell."}}"#);
    v.extend_from_slice(b"\n");
    v.extend_from_slice(
        br#"{"id":7,"text":"The council will meet again next month to review the final numbers."}"#,
    );
    v.extend_from_slice(b"\r\n");
    v
}

#[test]
fn filter_annotates_and_passes_bad_lines_through_untouched() {
    let d = tree("filter");
    let input = jsonl();
    let out = run(&d, &["filter"], &input);
    expect(
        &out,
        0,
        &[],
        &[
            "unspin: line 2: not a JSON object (expected ident at line 1 column 2); passed through unchanged",
            "unspin: line 3: no field `text` (name the text field with --field); passed through unchanged",
            "unspin: line 4: field `text` is a number, not a string; passed through unchanged",
            "unspin: filter: 7 lines, 0 dropped by spin score, 4 bad lines passed through",
        ],
    );
    let o = text(&out.stdout);
    let lines: Vec<&str> = o.split_inclusive('\n').collect();
    let inl = text(&input);
    let ins: Vec<&str> = inl.split_inclusive('\n').collect();
    assert_eq!(lines.len(), ins.len());
    assert!(lines[0].starts_with(r#"{"id":1, "text":"The White Home mentioned on Friday that the firm's inventory fell as buyers feared the financial system would shrink.","n":1.50e2,"u":"\u00e9","unspin":{"spin_score":"#), "{}", lines[0]);
    assert!(lines[0].contains(
        r#""repairs":[{"start":10,"end":14,"spun":"Home","suggestions":[{"text":"House""#
    ));
    for i in [1, 2, 3, 4, 5] {
        assert_eq!(lines[i], ins[i]);
    }
    assert!(lines[6].ends_with("\"repairs\":[]}}\r\n"), "{}", lines[6]);
}

#[test]
fn filter_fix_mode_nested_field_and_score_selection() {
    let d = tree("filterfix");
    let input = jsonl();
    let out = run(
        &d,
        &[
            "filter",
            "-q",
            "--field",
            "content.body",
            "--mode",
            "fix",
            "--keep-original",
            "orig",
        ],
        &input,
    );
    expect(
        &out,
        0,
        &[
            r#"{"id":6,"content":{"body":"The company said its stock fell."},"orig":"The firm mentioned its inventory fell."}"#,
        ],
        &["line 1: no field `content`"],
    );
    assert_eq!(text(&out.stdout).lines().count(), 7);
    // The pre-filter: drop spun documents, or keep only them.
    let out = run(
        &d,
        &["filter", "-q", "--drop-above", "0.5", "--on-error", "skip"],
        &input,
    );
    expect(
        &out,
        0,
        &[r#"{"id":7,"#],
        &["line 2: not a JSON object", "skipped"],
    );
    let o = text(&out.stdout);
    assert!(!o.contains(r#""id":1"#) && !o.contains("not json"), "{o}");
    let out = run(
        &d,
        &["filter", "-q", "--keep-above", "0.5", "--mode", "fix"],
        &input,
    );
    let o = text(&out.stdout);
    assert!(
        o.contains("The White House said on Friday that")
            && o.contains("the economy would shrink")
            && !o.contains(r#""id":7"#),
        "{o}"
    );
    assert!(o.contains("not json"), "bad lines still pass: {o}");
    // --on-error fail stops at the first bad line, after writing the lines before it.
    let out = run(&d, &["filter", "--on-error", "fail"], &input);
    expect(
        &out,
        1,
        &[r#"{"id":1,"#],
        &[
            "unspin: error: line 2: not a JSON object",
            "stopped (--on-error fail)",
        ],
    );
    assert_eq!(text(&out.stdout).lines().count(), 1);
    // Usage mistakes.
    expect(
        &run(&d, &["filter", "--drop-above", "2"], b""),
        1,
        &[],
        &["--drop-above takes a spin score between 0 and 1"],
    );
    expect(
        &run(&d, &["filter", "--keep-original", "o"], b""),
        1,
        &[],
        &["--keep-original only applies to --mode fix"],
    );
    expect(
        &run(&d, &["filter", "--field", "a..b"], b""),
        1,
        &[],
        &["is not a field path"],
    );
}

#[test]
fn filter_plain_lines() {
    let d = tree("lines");
    let input = b"The White Home mentioned.\r\nWe walked home.\n\xff bad\n";
    let out = run(
        &d,
        &["filter", "-q", "--input", "lines", "--mode", "fix"],
        input,
    );
    expect(
        &out,
        0,
        &[],
        &["line 3: not valid UTF-8 (bad byte at column 1); passed through unchanged"],
    );
    assert_eq!(
        out.stdout,
        b"The White House said.\r\nWe walked home.\n\xff bad\n"
    );
    let out = run(
        &d,
        &["filter", "-q", "--input", "lines", "--field", "body"],
        b"The White Home mentioned.\n\xff bad\n",
    );
    expect(
        &out,
        0,
        &[r#"{"body":"The White Home mentioned.","unspin":{"spin_score":"#],
        &[],
    );
    // JSON out: a bad line goes on as a record with its error, still JSON.
    let last = text(&out.stdout).lines().last().unwrap().to_string();
    let v: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        v["unspin"]["error"],
        "not valid UTF-8 (bad byte at column 1)"
    );
}

#[test]
fn dict_learn_grows_a_table_and_skips_pairs_it_already_counted() {
    let d = tree("learn");
    let spun = include_str!("../fixtures/seed-001.spun.txt");
    let orig = include_str!("../fixtures/seed-001.reference.txt");
    put(&d, "old/001.spun.txt", spun);
    put(&d, "old/001.orig.txt", orig);
    put(&d, "new/002.spun.txt", SPUN);
    put(
        &d,
        "new/002.orig.txt",
        SPUN.replace("White Home", "White House")
            .replace("mentioned", "said")
            .replace("lastly", "finally"),
    );
    let out = run(&d, &["dict", "learn", "--pairs", "old"], b"");
    expect(&out, 0, &["mentioned\tsaid\t"], &["1 pairs read"]);
    std::fs::write(d.join("base.tsv"), &out.stdout).unwrap();
    let base_said = |t: &str| -> Vec<String> {
        t.lines()
            .find(|l| l.starts_with("mentioned\tsaid\t"))
            .unwrap()
            .split('\t')
            .take(5)
            .map(String::from)
            .collect()
    };
    let before = base_said(&text(&out.stdout));
    // The old pair again is recognised and not counted twice; the new one adds its counts.
    let out = run(
        &d,
        &[
            "dict", "learn", "--pairs", "old", "--pairs", "new", "--base", "base.tsv",
        ],
        b"",
    );
    expect(
        &out,
        0,
        &[],
        &["old/001.spun.txt is already counted", "1 pairs read"],
    );
    let after = base_said(&text(&out.stdout));
    let n = |v: &[String], i: usize| v[i].parse::<usize>().unwrap();
    assert_eq!(n(&after, 2), n(&before, 2) + 3, "{before:?} -> {after:?}");
    assert_eq!(n(&after, 3), n(&before, 3) + 1);
    // A base that is not a spin table is named with what to give.
    put(&d, "bad.tsv", "just words\n");
    let out = run(
        &d,
        &["dict", "learn", "--pairs", "new", "--base", "bad.tsv"],
        b"",
    );
    expect(&out, 1, &[], &["bad.tsv", "--base takes a spin table"]);
    // With --base, the evidence counts that go with the base must be there to add to.
    let out = run(
        &d,
        &[
            "dict",
            "learn",
            "--pairs",
            "new",
            "--base",
            "base.tsv",
            "--evidence",
            "none.tsv",
        ],
        b"",
    );
    expect(&out, 1, &[], &["none.tsv does not exist"]);
    assert!(out.stdout.is_empty());
}

/// More files than one group holds (1,024): with two jobs the next group is found while one is
/// repaired, and every record and written copy still comes in input order (a binary file
/// found in the folder is skipped, not an error).
#[test]
fn many_files_keep_their_order_across_groups() {
    let d = tree("groups");
    for i in 0..2100 {
        let name = format!("in/{i:04}.txt");
        match i {
            1451 => put(&d, &name, b"ab\0cd"),
            _ if i % 50 == 0 => put(&d, &name, SPUN),
            _ => put(&d, &name, CLEAN),
        };
    }
    let args = |jobs: &'static str| ["check", "-q", "-j", jobs, "--format", "json", "in"];
    let one = run(&d, &args("1"), b"");
    let two = run(&d, &args("2"), b"");
    assert_eq!(text(&one.stdout), text(&two.stdout));
    let documents = text(&two.stdout)
        .lines()
        .filter(|l| l.contains(r#""type":"document""#))
        .count();
    assert_eq!(documents, 2099, "every text file but the binary one");
    let out = run(
        &d,
        &["fix", "-q", "-j", "2", "--out-dir", "fixed", "in"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_dir(d.join("fixed")).unwrap().count();
    assert_eq!(written, 2099);
    let first = std::fs::read_to_string(d.join("fixed/0000.txt")).unwrap();
    assert!(first.contains("White House"), "{first}");
}
