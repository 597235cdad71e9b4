//! Generators of large and hostile plan texts, shared by `tests/scaling.rs`
//! and `benches/growth.rs`. Each takes a size factor: 1 is the size the
//! robustness issue names, larger factors are for measuring growth.

#![allow(dead_code)]

/// A plan of `tasks` bracketed tasks in chapters of 50, about 150 bytes each.
pub fn many_tasks(tasks: usize) -> String {
    let mut s = String::with_capacity(tasks * 180 + 100);
    s.push_str("2020-2021年某市推进计划\n\n");
    for i in 0..tasks {
        if i % 50 == 0 {
            s.push_str(&format!(
                "{}、第{}部分工作\n\n",
                cn(i / 50 % 99 + 1),
                i / 50 + 1
            ));
        }
        let deadline = if i % 3 == 0 {
            "2021年6月底前完成"
        } else {
            "持续推进"
        };
        s.push_str(&format!(
            "{}.开展专项行动，完成不少于5项工作，提升执法水平。(市市场监管委、市知识产权局按职责分工负责;{deadline})\n\n",
            i + 1
        ));
    }
    s
}

/// A plan of at least `bytes` bytes (tasks as in [`many_tasks`], ~150 bytes each).
pub fn plan_of_bytes(bytes: usize) -> String {
    many_tasks(bytes / 140 + 1)
}

/// One task whose line is `bytes` long.
pub fn long_line(bytes: usize) -> String {
    let unit = "加强知识产权保护，";
    let mut s = String::from("一、任务\n1.");
    while s.len() < bytes {
        s.push_str(unit);
    }
    s.push_str("(市知识产权局负责;持续推进)\n");
    s
}

/// A task line with `n` opening brackets that never close.
pub fn nested_brackets(n: usize) -> String {
    format!("一、任务\n1.开展工作{}市知识产权局负责\n", "（".repeat(n))
}

/// A responsibility bracket that never closes, followed by `bytes` of text.
pub fn unclosed_bracket(bytes: usize) -> String {
    let mut s = String::from("一、任务\n1.开展工作。（市知识产权局负责；持续推进");
    while s.len() < bytes {
        s.push_str("继续开展工作，");
    }
    s.push('\n');
    s
}

/// One owner list of `n` units separated by `、`.
pub fn long_owner_list(n: usize) -> String {
    let units: Vec<String> = (0..n).map(|i| format!("第{i}区人民政府")).collect();
    format!(
        "一、任务\n1.开展工作。({}按职责分工负责;持续推进)\n",
        units.join("、")
    )
}

/// One task whose line is a run of `bytes` digits, ending in a deadline
/// whose year is the run's last four digits (`…12020年底前完成`).
pub fn digit_run(bytes: usize) -> String {
    let mut s = String::from("一、任务\n1.开展工作，编号");
    let start = s.len();
    while s.len() - start + 4 < bytes {
        s.push_str("1234567890");
    }
    s.push_str("2020年底前完成。(市知识产权局负责)\n");
    s
}

fn cn(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", D[n - 10]),
        _ => format!("{}十{}", D[n / 10], D[n % 10]),
    }
}
