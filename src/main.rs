//! `acrdeck`: parses the command line and hands it to the command that serves it.

use acrdeck::cli::{Cli, Commands, ImportsCommand};
use acrdeck::headless;
use acrdeck::paths::Paths;
use acrdeck::process::fail;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Commands::Completions { shell }) => {
            clap_complete::generate(*shell, &mut Cli::command(), "acrdeck", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Some(Commands::Man) => match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(1, &format!("cannot write the man page: {e}")),
        },
        Some(Commands::Version(args)) => {
            match args.output {
                acrdeck::cli::Output::Table => print!("{}", acrdeck::build_info::text()),
                acrdeck::cli::Output::Json => match serde_json::to_string_pretty(&acrdeck::build_info::info()) {
                    Ok(json) => println!("{json}"),
                    Err(e) => return fail(1, &format!("cannot write the build facts as JSON: {e}")),
                },
            }
            ExitCode::SUCCESS
        }
        Some(Commands::Emulator(args)) => headless::emulator::run(&cli, args),
        Some(Commands::Imports(ImportsCommand::Plan(args))) => headless::commands::imports_plan(&cli, args),
        Some(Commands::Audit(args)) => {
            let path = args
                .file
                .clone()
                .unwrap_or_else(|| Paths::discover().state_dir.join(acrdeck::audit::FILE_NAME));
            let mut out = acrdeck::text::SafeWriter::new(std::io::stdout().lock(), cli.treatment());
            ExitCode::from(headless::audit::run(args, &path, &mut out))
        }
        Some(_) => headless::commands::run(&cli),
        None => acrdeck::dashboard::start::start(&cli),
    }
}
