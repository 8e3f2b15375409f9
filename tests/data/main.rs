//! Tests on published data that this repository may not redistribute
//! (Epoch AI's Chinchilla runs, the IsoFLOP file of five studies, the seed's
//! training runs): a test target of its own, run by `cargo test --release`
//! when the data are found (`SCALING_LAWS_DATA`, else `../shared/data`
//! beside the crate) and reported in one line as not run otherwise
//! (`common.rs`). A test here is a plain `pub fn` listed below; an unlisted
//! one is dead code, which clippy (`-D warnings`) refuses.

mod claims;
mod common;
mod dark_matter;
mod decisions;
mod hitchhiker;
mod isoflops;
mod reference_outputs;
#[path = "../support/bin.rs"]
mod support;

/// (name, function) of every test, named `module::function`.
macro_rules! tests {
    ($($m:ident::$f:ident),* $(,)?) => {
        &[$((concat!(stringify!($m), "::", stringify!($f)), $m::$f as fn())),*]
    };
}

fn main() {
    common::run(tests![
        claims::dark_matter_spec_numbers_are_reproduced,
        claims::dark_matter_without_the_five_highest_losses,
        claims::isoflops_llama3_bootstrap_numbers,
        claims::isoflops_dropped_budgets_and_marin_exponents,
        claims::isoflops_cost_numbers,
        claims::isoflops_residual_numbers,
        dark_matter::chinchilla_published_numbers_are_reproduced,
        dark_matter::dark_matter_json_has_the_contract_keys_and_writes_its_folder,
        dark_matter::dark_matter_fit_does_not_depend_on_the_seed,
        dark_matter::no_legend_or_note_covers_data_in_any_study_figure,
        decisions::fit_budget_on_the_chinchilla_file_with_a_flops_column,
        decisions::audit_llama3_vpnls_matches_a_plain_refit_loop,
        hitchhiker::hitchhiker_runs_fit_and_alpha_is_flagged_as_not_identified,
        hitchhiker::hitchhiker_file_mode_fits_files_given_on_the_command_line,
        hitchhiker::hitchhiker_coarse_grid_finds_the_fine_grids_basins,
        isoflops::qc_reproduces_the_published_flags,
        isoflops::llama3_raw_fits_meet_the_reference_values,
        isoflops::bootstrap_intervals_do_not_depend_on_the_thread_count,
        isoflops::chinchilla_runs_file_reads_245_runs,
        isoflops::huber_likelihood_gradient_matches_central_differences,
        isoflops::huber_on_counts_equals_huber_on_the_expanded_resample,
        isoflops::epoch_replicates_from_chinchillas_estimates_reach_the_grid_start_optimum,
        isoflops::epoch_bootstrap_does_not_depend_on_the_thread_count,
        isoflops::qc_json_counts_match_the_shipped_reason_column,
        isoflops::isoflops_json_has_the_contract_keys_and_intervals,
        isoflops::isoflops_drops_a_budget_approach2_cannot_fit_and_fits_every_experiment,
        isoflops::isoflops_studies_json_has_stable_keys_and_finite_numbers,
        isoflops::isoflops_errors_name_the_file_and_the_experiment,
        isoflops::corrected_approach2_on_llama3_raw_agrees_with_vpnls_within_the_vertex_scatter,
        isoflops::isoflops_fits_json_over_every_experiment_has_no_null,
        isoflops::reproductions_csv_writes_no_nan,
        isoflops::epoch_reproduction_gives_the_printed_numbers,
        isoflops::study_options_a_study_has_no_use_for_are_errors,
        reference_outputs::exp12_residual_summary_is_recomputed_from_the_residuals_table,
        reference_outputs::exp11_allocation_table_and_filter_figures_are_written,
    ]);
}
