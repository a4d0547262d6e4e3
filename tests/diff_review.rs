//! The `diff` and `review` commands end to end, through the real binary: the unified diff is a
//! patch `patch` and `git apply` accept and that yields exactly what `fix` prints; the ignore
//! file is honoured by check, fix and diff; review refuses to run without a terminal, and in a
//! terminal (tmux) accepts one repair, rejects one, saves, and leaves the file and the ignore
//! file as decided.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_unspin");
const FIXTURE: &str = "fixtures/seed-001.spun.txt";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn unspin(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("run unspin")
}

/// A fresh folder under the system temp dir (outside the repository, so no ignore file of the
/// repository applies).
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("unspin-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The first paragraphs of the fixture: enough repairs, a quarter of the work (debug builds
/// of the engine are slow).
fn excerpt_in(dir: &Path, name: &str) {
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').take(8).collect();
    std::fs::write(dir.join(name), lines.concat()).unwrap();
}

/// Whether a tool is on the PATH (by running it with `arg`).
fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Found {
    start: usize,
    end: usize,
    spun: String,
    first: String,
}

fn repairs(dir: &Path, file: &str) -> Vec<Found> {
    let out = unspin(dir, &["check", "--format", "json", file]);
    assert!(
        out.status.code() == Some(2) || out.status.success(),
        "{out:?}"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "repair")
        .map(|v| Found {
            start: v["start"].as_u64().unwrap() as usize,
            end: v["end"].as_u64().unwrap() as usize,
            spun: v["spun"].as_str().unwrap().to_string(),
            first: v["suggestions"][0]["text"].as_str().unwrap().to_string(),
        })
        .collect()
}

#[test]
fn unified_diff_through_patch_and_git_apply_gives_what_fix_prints() {
    let fixed = unspin(root(), &["fix", FIXTURE]);
    assert!(fixed.status.success(), "{fixed:?}");
    let patch = unspin(root(), &["diff", "--style", "unified", FIXTURE]);
    assert!(patch.status.success(), "{patch:?}");
    assert!(
        patch
            .stdout
            .starts_with(format!("--- a/{FIXTURE}\n+++ b/{FIXTURE}\n").as_bytes()),
        "no colour when piped, git-style headers"
    );
    assert_ne!(fixed.stdout, std::fs::read(root().join(FIXTURE)).unwrap());

    let dir = temp_dir("patch");
    let copy = dir.join("copy.txt");
    std::fs::copy(root().join(FIXTURE), &copy).unwrap();
    std::fs::write(dir.join("p.diff"), &patch.stdout).unwrap();
    if have("patch", "--version") {
        let out = Command::new("patch")
            .args(["--quiet", "-o", "out.txt", "copy.txt", "p.diff"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(
            std::fs::read(dir.join("out.txt")).unwrap() == fixed.stdout,
            "patch output differs from unspin fix"
        );
    } else {
        eprintln!("note: `patch` not installed; checked with git apply only");
    }
    if have("git", "--version") {
        let target = dir.join(FIXTURE);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root().join(FIXTURE), &target).unwrap();
        let out = Command::new("git")
            .args(["apply", "p.diff"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(std::fs::read(&target).unwrap() == fixed.stdout);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn inline_and_side_by_side_show_every_repair_and_colour_only_when_asked() {
    let dir = temp_dir("views");
    excerpt_in(&dir, "a.txt");
    let n = repairs(&dir, "a.txt").len();
    assert!(n >= 2);
    let inline = unspin(&dir, &["diff", "a.txt"]);
    let text = String::from_utf8(inline.stdout).unwrap();
    assert!(
        text.starts_with(&format!("── a.txt ── {n} repairs\n")),
        "{text}"
    );
    assert_eq!(text.matches("{+").count(), n);
    assert!(!text.contains('\x1b'), "auto: no colour into a pipe");

    let sbs = unspin(
        &dir,
        &[
            "diff",
            "--style",
            "side-by-side",
            "--width",
            "90",
            "--color",
            "always",
            "a.txt",
        ],
    );
    let text = String::from_utf8(sbs.stdout).unwrap();
    assert_eq!(text.matches("\x1b[1;32m").count(), n, "{text}");
    for line in text.lines().skip(1) {
        let mut plain = String::new();
        let mut in_escape = false;
        for c in line.chars() {
            match c {
                '\x1b' => in_escape = true,
                'm' if in_escape => in_escape = false,
                _ if in_escape => {}
                c => plain.push(c),
            }
        }
        let cells = plain.chars().count();
        assert!(cells <= 90, "{cells} cells: {plain}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_fix_and_diff_honour_the_ignore_file() {
    let dir = temp_dir("ignore");
    excerpt_in(&dir, "a.txt");
    let before = repairs(&dir, "a.txt");
    let phrase = before[0].spun.to_lowercase();
    let count = before
        .iter()
        .filter(|r| r.spun.to_lowercase() == phrase)
        .count();
    std::fs::write(dir.join(".unspin-ignore"), format!("# test\n{phrase}\t*\n")).unwrap();
    let after = repairs(&dir, "a.txt");
    assert_eq!(after.len(), before.len() - count);
    assert!(after.iter().all(|r| r.spun.to_lowercase() != phrase));
    let fix = unspin(&dir, &["fix", "a.txt"]);
    let text = std::fs::read_to_string(dir.join("a.txt")).unwrap();
    let mut expected = String::new();
    let mut pos = 0;
    for r in &after {
        expected.push_str(&text[pos..r.start]);
        expected.push_str(&r.first);
        pos = r.end;
    }
    expected.push_str(&text[pos..]);
    assert!(String::from_utf8(fix.stdout).unwrap() == expected);
    let diff = unspin(&dir, &["diff", "--color", "never", "a.txt"]);
    let shown = String::from_utf8(diff.stdout).unwrap();
    assert_eq!(shown.matches("{+").count(), after.len());

    std::fs::write(dir.join(".unspin-ignore"), "oops no tab\n").unwrap();
    let out = unspin(&dir, &["check", "a.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(".unspin-ignore:line 1"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn review_refuses_without_a_terminal() {
    let out = unspin(root(), &["review", FIXTURE]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("needs an interactive terminal"), "{err}");
    assert!(
        err.contains("unspin diff") && err.contains("unspin fix"),
        "{err}"
    );
}

/// A tmux server of our own, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "e2e"]).stdout).into()
    }

    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited 60 s for `{what}`; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[test]
fn review_in_a_terminal_accepts_one_rejects_one_and_saves() {
    if !have("tmux", "-V") {
        eprintln!("note: tmux not installed; the terminal review test did not run");
        return;
    }
    let dir = temp_dir("review");
    excerpt_in(&dir, "a.txt");
    let text = std::fs::read_to_string(dir.join("a.txt")).unwrap();
    let found = repairs(&dir, "a.txt");
    let total = found.len();
    let (one, two) = (&found[0], &found[1]);

    let tmux = Tmux {
        socket: format!("unspin-test-{}", std::process::id()),
    };
    let script = format!("'{BIN}' review a.txt; echo $? > exit-code");
    let out = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        "-c",
        dir.to_str().unwrap(),
        "sh",
        "-c",
        &script,
    ]);
    assert!(out.status.success(), "{out:?}");
    let first = tmux.wait_for(&format!("repair 1 of {total} · file 1 of 1"));
    assert!(first.contains(&format!("spun `{}`", one.spun)), "{first}");
    tmux.cmd(&["send-keys", "-t", "e2e", "a"]);
    tmux.wait_for(&format!("repair 2 of {total}"));
    tmux.cmd(&["send-keys", "-t", "e2e", "r"]);
    tmux.wait_for(&format!("repair 3 of {total}"));
    tmux.cmd(&["send-keys", "-t", "e2e", "s"]);
    let start = Instant::now();
    while !dir.join("exit-code").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "review did not exit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        std::fs::read_to_string(dir.join("exit-code"))
            .unwrap()
            .trim(),
        "0"
    );

    // The file holds exactly the accepted repair.
    let expected = format!("{}{}{}", &text[..one.start], one.first, &text[one.end..]);
    assert!(std::fs::read_to_string(dir.join("a.txt")).unwrap() == expected);

    // The rejection is in the ignore file, and a new run no longer proposes it.
    let ignore_file = unspin::ignore::find(&dir).expect("an ignore file");
    let listed = std::fs::read_to_string(&ignore_file).unwrap();
    let rejected: Vec<&str> = listed.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rejected.len(), 1, "{listed}");
    assert!(
        rejected[0].starts_with(&format!("{}\t", two.spun.to_lowercase())),
        "{listed}"
    );
    let shift = one.first.len() as isize - (one.end - one.start) as isize;
    let moved = (two.start as isize + shift) as usize;
    let again = repairs(&dir, "a.txt");
    assert!(again
        .iter()
        .all(|r| !(r.start == moved && r.spun == two.spun)));
    if ignore_file.parent() != Some(dir.as_path()) {
        eprintln!(
            "note: an ignore file above the temp dir was used: {}",
            ignore_file.display()
        );
    } else {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
