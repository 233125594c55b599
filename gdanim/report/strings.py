"""Every word the report shows, one table per language.

Templates and sentences look strings up by key; `{name}` fields are filled with
str.format. Both tables must have the same keys (a test checks it).
"""

from __future__ import annotations

LANGS = ("en", "ko")

EN: dict[str, str] = {
    "lang_name": "English",
    "site_title": "Gradient descent, animated",
    "site_intro": "Each scenario fits a line (or a plane) by gradient descent and shows every step.",
    "all_scenarios": "All scenarios",
    "runs_count": "{count} run(s)",
    "summary": "{runs} run(s), {loss}, n = {n}; critical lr ≈ {critical}.",
    "summary_no_critical": "{runs} run(s), {loss}, n = {n}.",
    "poster_alt": "Poster of {title}: {summary}",
    "card_warning": "{runs}: looks settled, yet diverges.",
    "skip_to_content": "Skip to content",
    "generated_by": "Made with gdanim {version}.",
    "made_line": "Built {date} with {versions}.",
    "made_scenario": "Scenario sha256 {sha}…; every file and setting is listed in",
    # sections
    "sec_data": "The data",
    "sec_model": "Model, loss and update",
    "sec_analysis": "What the analysis says",
    "sec_runs": "Runs",
    "sec_animations": "Animations",
    "sec_compare": "All runs side by side",
    "sec_figures": "Figures",
    "sec_sse_mse": "SSE against MSE",
    "sec_downloads": "Downloads",
    "sec_embed": "Embed in slides",
    # data
    "data_n": "Points (n)",
    "data_features": "Features (k)",
    "data_source": "Source",
    "data_normalization": "Normalization",
    "source_synthetic": "drawn with a seed",
    "source_points": "written in the scenario",
    "source_csv": "CSV file",
    "norm_none": "none (raw x)",
    "norm_standardize": "standardized (zero mean, unit variance)",
    "norm_scale": "x multiplied by {scale}",
    "true_params": "True parameters",
    "data_alt": "Scatter plot of the {n} data points with the least-squares fit.",
    "data_alt_multi": "Observed y of the {n} points against the least-squares prediction ŷ; "
                      "points on the red line are fitted exactly.",
    # model
    "model_label": "Model",
    "loss_label": "Loss",
    "gradient_label": "Gradient",
    "update_label": "Update",
    "hessian_label": "Hessian",
    "stable_label": "Plain gradient descent converges when",
    "loss_sse": "sum of squared errors (SSE)",
    "loss_mse": "mean squared error (MSE)",
    "loss_sae": "sum of absolute errors (SAE)",
    "loss_mae": "mean absolute error (MAE)",
    "loss_huber": "Huber loss (mean)",
    "data_outliers": "Outliers added (x, y), {count}",
    "schedule_label": "Learning-rate schedule (scheduler.step() once per epoch)",
    "update_other": "The {optimizers} runs use torch.optim with the options listed in the runs table.",
    # analysis
    "an_ols": "Least-squares solution (OLS)",
    "an_ols_loss": "Its loss",
    "an_eigen": "Hessian eigenvalues",
    "an_critical": "Critical learning rate 2/λmax",
    "an_best": "Best constant rate 2/(λmin + λmax)",
    "an_condition": "Condition number λmax/λmin",
    "an_ols_text": "The lowest point of the loss: no run can end below its loss.",
    "an_ols_not_unique": "Not unique: the design has rank {rank} for {p} parameters, so the "
                         "minimum is a whole line or plane; the minimum-norm solution is {w}.",
    "an_ols_loss_text": "{loss} at the OLS solution; what remains is noise the line cannot explain.",
    "an_eigen_text": "How curved the loss is along its principal directions; "
                     "each step multiplies the error along an eigenvector by (1 − lr·λ).",
    "an_critical_text": "Plain gradient descent diverges at or above lr = {critical}: "
                        "|1 − lr·λmax| then reaches 1. Below 1/λmax = {half} it approaches "
                        "monotonically, in between it oscillates and still converges.",
    "an_best_text": "The constant rate that shrinks the slowest direction fastest ({best}).",
    "cond_round": "the bowl is nearly round, so one rate suits every direction.",
    "cond_valley": "the bowl is a long, thin valley: a rate safe for the steep direction crawls "
                   "along the flat one. Standardizing the features helps.",
    "cond_none": "not defined: the smallest eigenvalue is 0.",
    "an_none": "—",
    "an_runs_verdict": "For this data: {verdicts}.",
    "verdict_monotone": "approaching monotonically, lr {lrs}",
    "verdict_oscillating": "oscillating but converging, lr {lrs}",
    "verdict_divergent": "diverging, lr {lrs}",
    "an_robust": "Minimum of {loss}",
    "an_robust_text": "{loss}'s own minimizer (float64, iteratively reweighted least squares), where {loss} is "
                      "{value}; the least-squares line {ols}, which the outliers pull, has {loss} {ols_value} there.",
    "an_robust_regime": "Regime of a robust loss",
    "an_robust_regime_text": "None: the loss is not quadratic, so there is no constant Hessian, no λmax and no "
                             "critical rate. Near the minimum the gradient of |e| does not shrink (only the signs "
                             "of the errors set it), so plain gradient descent with a constant rate keeps stepping "
                             "by about lr times its size and hovers around the minimum; Huber's gradient shrinks "
                             "only where every error is within ±δ.",
    "verdict_schedule_crosses": "{name} ({schedule}) starts at lr·λmax = {start} and is stable from "
                                "epoch {epoch} on (lr {lr})",
    "verdict_schedule_above": "{name} ({schedule}) stays at lr·λmax ≥ 2 to its last epoch ({end})",
    "verdict_schedule_below": "{name} ({schedule}) is below lr·λmax = 2 from the start ({start})",
    "an_mse_note": "For MSE the eigenvalues are n = {n} times smaller and the critical rate "
                   "n times larger ({critical}).",
    # runs table
    "col_name": "Run",
    "col_optimizer": "Optimizer",
    "col_loss": "Loss",
    "col_lr": "lr",
    "col_epochs": "Epochs run",
    "col_params": "Final params",
    "col_final_loss": "Final loss",
    "col_distance": "Distance to OLS",
    "col_status": "Status",
    "col_regime": "Regime",
    "status_converged": "converged",
    "status_diverged": "diverged",
    "status_max_epochs": "max epochs",
    "regime_monotone": "monotone",
    "regime_oscillating": "oscillating",
    "regime_divergent": "divergent",
    "regime_na": "n/a",
    # exercises
    "sec_exercises": "Predict, then watch",
    "exercises_intro": "Answer first: the run's video stops where the question is asked, and the "
                       "runs table, the comparison and the analysis stay folded until you answer.",
    "exercise_title": "Exercise {number}",
    "ex_q_regime": "Run {run} (lr = {lr}) at epoch {epoch}: will it converge monotonically, oscillate "
                   "and converge, or diverge?",
    "ex_q_next": "Run {run} at epoch {epoch}: where will the parameters be {steps} epoch(s) later? "
                 "Click the spot on the lab's contour plot.",
    "ex_q_lr": "Find a learning rate that brings the {loss} loss under {target} within {epochs} "
               "epochs: set it in the lab, then check.",
    "ex_choice_monotone": "It converges monotonically",
    "ex_choice_oscillating": "It oscillates and converges",
    "ex_choice_divergent": "It diverges",
    "ex_a_monotone": "lr·λmax = {ratio} ≤ 1: every step moves the error the same way and shrinks it "
                     "by {contraction} per step, so {run} converges without overshooting.",
    "ex_a_oscillating": "1 < lr·λmax = {ratio} < 2: along the steepest direction each step overshoots, "
                        "but the error still shrinks by {contraction} per step, so {run} converges "
                        "while oscillating.",
    "ex_a_divergent": "lr·λmax = {ratio} ≥ 2 (the critical rate 2/λmax is {critical}): along the "
                      "steepest direction every step overshoots further and the error grows by "
                      "×{contraction} per step, so {run} diverges, however settled it looks at first.",
    "ex_a_diverged_at": "Its loss is infinite at epoch {epoch}.",
    "ex_a_next": "After {steps} more epoch(s), at epoch {epoch}, ({a}, {b}) = {point}.",
    "ex_a_lr": "The fastest constant rate is 2/(λmin + λmax) = {best}: it shrinks the error along "
               "the steepest and the flattest direction by the same factor. At or above "
               "2/λmax = {critical} the run diverges; the condition number {condition} says how "
               "far apart the two directions are.",
    "ex_answer": "Answer",
    "ex_submit": "Check my answer",
    "ex_pick": "Pick the spot on the lab's contour plot",
    "ex_use_lab": "Check the lab's learning rate",
    "ex_open_lab": "Open the lab",
    "ex_js_right": "Right.",
    "ex_js_wrong": "Not quite.",
    "ex_js_guess": "Your guess ({guess}) is {distance} from the true point.",
    "ex_js_lr_yes": "Yes: with lr = {lr} the loss is {loss} at epoch {epoch}, under {target}.",
    "ex_js_lr_no": "Not yet: with lr = {lr} the loss is {loss} after {epochs} epochs, not under {target}.",
    "ex_js_lr_setup": "Set the lab to the {loss} loss and plain gd first.",
    "exercises_count": "{count} exercise(s)",
    "worksheet_title": "Exercises",
    "worksheet_intro": "Every question of the course, in order. Each links to its page, where the "
                       "lab and the animations answer it.",
    "worksheet_link": "All exercises (worksheet)",
    # captions of the videos
    "captions_label": "English",
    "cap_epoch": "epoch {epoch}",
    "cap_start": "start at w = {params}, loss {loss}",
    "cap_overshoot": "a step overshoots: a parameter swings back past where it was heading",
    "cap_grows": "the loss starts to grow again",
    "cap_divergent": "lr·λmax = {ratio} ≥ 2: every step overshoots further.",
    "cap_leaves": "the path leaves the view",
    "cap_end_converged": "converged: the steps became smaller than the tolerance; loss {loss}",
    "cap_end_diverged": "diverged: the loss is no longer finite",
    "cap_end_max_epochs": "last epoch: loss {loss} at w = {params}",
    "warn_hidden_divergence": "Looks like it settles (the loss fell from {first} to {last}), but "
                              "lr·λmax = {ratio} ≥ 2: the error grows by ×{contraction} per step, "
                              "so this run diverges slowly.",
    "table_caption": "Every run at its last step.",
    # animation
    "video_alt": "Animation of {name}: {story}",
    "story": "{optimizer} with lr {lr} on {loss} from w = {init}; after {epochs} epoch(s) the loss "
             "went from {first} to {last} ({status}, {regime}).",
    "story_no_regime": "{optimizer} with lr {lr} on {loss} from w = {init}; after {epochs} "
                       "epoch(s) the loss went from {first} to {last} ({status}).",
    "gif_link": "GIF",
    "mp4_link": "MP4",
    "png_link": "PNG",
    "pdf_link": "Handout (PDF)",
    "slider_label": "Scrub {name} by step",
    "compare_slider_label": "Scrub all runs by step",
    "compare_note": "The grid leaves out what would not read on a slide ({note}); each run's own animation shows every panel.",
    "slider_epoch": "epoch",
    "slider_loss": "loss",
    "slider_params": "w",
    "no_video": "No video was rendered for this run (formats: {formats}).",
    "compare_alt": "All {count} runs side by side: {stories}",
    "more_runs": "{count} more runs are in the table and the downloads.",
    # figures
    "fig_loss": "Loss against epoch",
    "fig_loss_alt": "Loss on a log scale against epoch for {count} run(s); {summary}",
    "fig_contour": "Every path on the loss contours",
    "fig_contour_alt": "Contour plot of the loss over {a} and {b} with the path of each run "
                       "from its start; the cross marks the least-squares solution.",
    "fig_sweep": "Final loss against learning rate",
    "fig_sweep_alt": "Final loss against learning rate on log axes for {count} runs; the dashed "
                     "line marks the critical rate {critical}.",
    "axis_epoch": "epoch",
    "axis_loss": "loss",
    "axis_lr": "learning rate",
    "axis_final_loss": "final loss",
    "legend_critical": "critical lr",
    "legend_ols": "OLS",
    "legend_data": "data",
    "legend_fit": "least-squares fit",
    # sse / mse
    "ssemse_pair": "SSE with lr {a} and MSE with lr n·a = {na} (n = {n}) take the same steps: "
                   "the MSE gradient is the SSE gradient divided by n, so multiplying the rate by "
                   "n gives the same update. The largest difference between the two paths is "
                   "{diff}.",
    "ssemse_scale": "Under SSE the gradient grows with n (here it is {ratio}× the MSE gradient at "
                    "the start), so its rate must shrink as the data set grows; MSE keeps the "
                    "same rate for any n.",
    "fig_ssemse_alt": "Paths of {sse} (SSE, lr {a}) and {mse} (MSE, lr {na}) drawn over each "
                      "other; they coincide, the largest gap being {diff}.",
    # downloads and embeds
    "dl_trace": "Every step (trace.json)",
    "dl_csv": "Steps of {name} (CSV)",
    "dl_yaml": "The scenario (YAML)",
    "dl_data": "The data (CSV)",
    "embed_intro": "Copy one of these into your slides; the paths are relative to this folder.",
    "embed_copy": "Copy",
    "embed_copied": "Copied",
    # live lab
    "sec_lab": "Try it",
    "lab_intro": "Change the learning rate, the optimizer, the loss or the starting point: the run "
                 "is computed again in your browser, in float32 as the recorder computes it, "
                 "full batch. Click the contour plot to start from another point.",
    "lab_controls": "Settings of the lab's run",
    "lab_lr_slider": "Learning rate (log scale)",
    "lab_lr": "Learning rate",
    "lab_critical_mark": "2/λmax = {critical}",
    "lab_optimizer": "Optimizer",
    "lab_momentum": "Momentum",
    "lab_beta1": "β1",
    "lab_beta2": "β2",
    "lab_loss": "Loss",
    "lab_epochs": "Epochs",
    "lab_units": "Inputs",
    "lab_start": "Starting point",
    "lab_start_help": "Click or tap the contour plot, or focus it and use the arrow keys "
                      "(Shift for larger steps).",
    "lab_reset": "Reset to a recorded run",
    "lab_reset_choose": "choose a run…",
    "lab_minibatch_note": "The recorded runs use mini-batches; the lab runs full batch on the same data.",
    "lab_scrub": "Epoch shown",
    "lab_contour_alt": "Loss contours over {a} and {b} with the lab's path from its start (square); "
                       "the cross marks the least-squares solution.",
    "lab_contour_caption": "The loss over {a} and {b} (the other parameters at their least-squares "
                           "values) and the lab's path.",
    "lab_fit_alt": "The data points and the line at the epoch shown.",
    "lab_fit_alt_multi": "Observed y against the prediction ŷ at the epoch shown; points on the "
                         "diagonal are fitted exactly.",
    "lab_fit_caption": "The fit at the epoch shown.",
    "lab_loss_alt": "The lab's loss against epoch on a log scale; the line marks the epoch shown.",
    "lab_loss_caption": "Loss against epoch (log scale).",
    "lab_js_final": "Final loss {loss}",
    "lab_js_distance": "distance to OLS {distance}",
    "lab_js_converged": "converged at epoch {epoch}",
    "lab_js_diverged": "diverged at epoch {epoch}",
    "lab_js_max_epochs": "max epochs ({epochs})",
    "lab_js_monotone": "lr·λmax = {ratio}: monotone, the error shrinks by {contraction} per step",
    "lab_js_oscillating": "lr·λmax = {ratio}: oscillating, the error shrinks by {contraction} per step",
    "lab_js_divergent": "lr·λmax = {ratio} ≥ 2: divergent, the error grows by ×{contraction} per step",
    "lab_js_left": "The path left the view at epoch {epoch}, towards ({a}, {b}).",
    "lab_js_epoch": "epoch {epoch} of {steps} · loss {loss} · w = [{w}]",
    "lab_js_critical": "2/λmax",
    "lab_js_axis_epoch": "epoch",
    "lab_js_axis_loss": "loss",
    "back_to_index": "← All scenarios",
    "failed": "Could not build: {error}",
}

KO: dict[str, str] = {
    "lang_name": "한국어",
    "site_title": "경사하강법 애니메이션",
    "site_intro": "각 시나리오는 경사하강법으로 직선(또는 평면)을 적합하고 모든 단계를 보여 줍니다.",
    "all_scenarios": "모든 시나리오",
    "runs_count": "실행 {count}개",
    "summary": "실행 {runs}개, {loss}, n = {n}; 임계 학습률 ≈ {critical}.",
    "summary_no_critical": "실행 {runs}개, {loss}, n = {n}.",
    "poster_alt": "{title}의 포스터: {summary}",
    "card_warning": "{runs}: 수렴하는 것처럼 보이지만 발산합니다.",
    "skip_to_content": "본문으로 건너뛰기",
    "generated_by": "gdanim {version}으로 만들었습니다.",
    "made_line": "{date}에 {versions}(으)로 만들었습니다.",
    "made_scenario": "시나리오 sha256 {sha}…; 모든 파일과 설정은 다음에 있습니다:",
    "sec_data": "데이터",
    "sec_model": "모델, 손실, 업데이트",
    "sec_analysis": "분석 결과",
    "sec_runs": "실행 결과",
    "sec_animations": "애니메이션",
    "sec_compare": "모든 실행 나란히 보기",
    "sec_figures": "그림",
    "sec_sse_mse": "SSE와 MSE 비교",
    "sec_downloads": "내려받기",
    "sec_embed": "슬라이드에 넣기",
    "data_n": "점의 수 (n)",
    "data_features": "특성 수 (k)",
    "data_source": "출처",
    "data_normalization": "정규화",
    "source_synthetic": "시드로 생성",
    "source_points": "시나리오에 직접 기재",
    "source_csv": "CSV 파일",
    "norm_none": "없음 (원래 x)",
    "norm_standardize": "표준화 (평균 0, 분산 1)",
    "norm_scale": "x에 {scale}을 곱함",
    "true_params": "참값 파라메터",
    "data_alt": "데이터 {n}개의 산점도와 최소제곱 적합선.",
    "data_alt_multi": "{n}개 점의 관측값 y를 최소제곱 예측값 ŷ에 대해 그린 그림. "
                      "빨간 선 위의 점은 정확히 맞춘 점입니다.",
    "model_label": "모델",
    "loss_label": "손실",
    "gradient_label": "기울기",
    "update_label": "업데이트",
    "hessian_label": "헤시안",
    "stable_label": "경사하강법이 수렴하는 조건",
    "loss_sse": "오차제곱합 (SSE)",
    "loss_mse": "평균제곱오차 (MSE)",
    "loss_sae": "오차절댓값합 (SAE)",
    "loss_mae": "평균절대오차 (MAE)",
    "loss_huber": "Huber 손실 (평균)",
    "data_outliers": "추가한 이상치 (x, y), {count}개",
    "schedule_label": "학습률 스케줄 (에폭마다 scheduler.step() 한 번)",
    "update_other": "{optimizers} 실행은 실행 표에 적힌 옵션으로 torch.optim을 사용합니다.",
    "an_ols": "최소제곱해 (OLS)",
    "an_ols_loss": "그때의 손실",
    "an_eigen": "헤시안 고유값",
    "an_critical": "임계 학습률 2/λmax",
    "an_best": "가장 빠른 고정 학습률 2/(λmin + λmax)",
    "an_condition": "조건수 λmax/λmin",
    "an_ols_text": "손실의 가장 낮은 점입니다. 어떤 실행도 이 손실보다 낮게 끝날 수 없습니다.",
    "an_ols_not_unique": "유일하지 않습니다. 파라메터 {p}개에 대해 설계행렬의 계수가 {rank}이므로 "
                         "최솟값이 직선이나 평면 전체입니다. 최소 노름 해는 {w}입니다.",
    "an_ols_loss_text": "OLS 해에서의 {loss}입니다. 남은 값은 직선으로 설명할 수 없는 잡음입니다.",
    "an_eigen_text": "주축 방향으로 손실이 얼마나 휘어 있는지 나타냅니다. "
                     "한 번 업데이트할 때마다 각 고유벡터 방향의 오차에 (1 − lr·λ)가 곱해집니다.",
    "an_critical_text": "학습률이 {critical} 이상이면 |1 − lr·λmax|가 1에 이르러 경사하강법이 "
                        "발산합니다. 1/λmax = {half}보다 작으면 단조롭게 다가가고, 그 사이에서는 "
                        "진동하면서도 수렴합니다.",
    "an_best_text": "가장 느린 방향을 가장 빨리 줄이는 고정 학습률입니다 ({best}).",
    "cond_round": "손실 그릇이 거의 둥글어서 하나의 학습률이 모든 방향에 잘 맞습니다.",
    "cond_valley": "손실이 길고 좁은 골짜기입니다. 가파른 방향에 안전한 학습률로는 평평한 방향을 "
                   "따라 아주 느리게 움직입니다. 특성을 표준화하면 나아집니다.",
    "cond_none": "정의되지 않습니다. 가장 작은 고유값이 0입니다.",
    "an_none": "—",
    "an_runs_verdict": "이 데이터의 결과: {verdicts}.",
    "verdict_monotone": "단조롭게 수렴하는 학습률 {lrs}",
    "verdict_oscillating": "진동하며 수렴하는 학습률 {lrs}",
    "verdict_divergent": "발산하는 학습률 {lrs}",
    "an_robust": "{loss}의 최솟점",
    "an_robust_text": "{loss} 자신의 최솟점(float64, 반복 재가중 최소제곱)이며 그곳의 {loss}는 {value}입니다. "
                      "이상치에 끌려간 최소제곱 직선 {ols}의 {loss}는 {ols_value}입니다.",
    "an_robust_regime": "로버스트 손실의 수렴 양상",
    "an_robust_regime_text": "없음: 손실이 이차식이 아니어서 헤시안이 일정하지 않고 λmax도 임계 학습률도 없습니다. "
                             "|e|의 기울기는 최솟점 근처에서도 줄지 않으므로(오차의 부호만으로 정해짐) 고정 학습률의 "
                             "경사하강법은 학습률 × 그 크기만큼 계속 움직이며 최솟점 주위를 맴돕니다. Huber의 기울기는 "
                             "모든 오차가 ±δ 안에 있을 때만 줄어듭니다.",
    "verdict_schedule_crosses": "{name}({schedule})은 lr·λmax = {start}에서 시작해 에폭 {epoch}부터 "
                                "안정합니다 (학습률 {lr})",
    "verdict_schedule_above": "{name}({schedule})은 마지막 에폭까지 lr·λmax ≥ 2입니다 ({end})",
    "verdict_schedule_below": "{name}({schedule})은 처음부터 lr·λmax = 2 아래입니다 ({start})",
    "an_mse_note": "MSE의 고유값은 n = {n}배 작고, 임계 학습률은 n배 큽니다 ({critical}).",
    "col_name": "실행",
    "col_optimizer": "옵티마이저",
    "col_loss": "손실",
    "col_lr": "학습률",
    "col_epochs": "에폭 수",
    "col_params": "최종 파라메터",
    "col_final_loss": "최종 손실",
    "col_distance": "OLS까지 거리",
    "col_status": "상태",
    "col_regime": "영역",
    "status_converged": "수렴",
    "status_diverged": "발산",
    "status_max_epochs": "최대 에폭",
    "regime_monotone": "단조",
    "regime_oscillating": "진동",
    "regime_divergent": "발산",
    "regime_na": "해당 없음",
    # exercises
    "sec_exercises": "먼저 예측하고, 그다음에 보기",
    "exercises_intro": "먼저 답하세요. 답하기 전까지 해당 실행의 영상은 질문한 에폭에서 멈추고, 실행 표와 "
                       "비교 영상, 분석은 접혀 있습니다.",
    "exercise_title": "문제 {number}",
    "ex_q_regime": "실행 {run}(학습률 {lr})의 {epoch} 에폭: 단조롭게 수렴할까요, 진동하며 수렴할까요, "
                   "아니면 발산할까요?",
    "ex_q_next": "실행 {run}의 {epoch} 에폭: {steps} 에폭 뒤 파라메터는 어디에 있을까요? 실험실의 "
                 "등고선 그림에서 그 위치를 클릭하세요.",
    "ex_q_lr": "{epochs} 에폭 안에 {loss} 손실을 {target} 아래로 낮추는 학습률을 찾으세요. 실험실에서 "
               "설정한 다음 확인하세요.",
    "ex_choice_monotone": "단조롭게 수렴한다",
    "ex_choice_oscillating": "진동하며 수렴한다",
    "ex_choice_divergent": "발산한다",
    "ex_a_monotone": "lr·λmax = {ratio} ≤ 1: 매 단계가 오차를 같은 방향으로 움직이며 단계마다 "
                     "{contraction}배로 줄이므로 {run}은(는) 넘어서지 않고 수렴합니다.",
    "ex_a_oscillating": "1 < lr·λmax = {ratio} < 2: 가장 가파른 방향으로 매 단계 넘어서지만 오차는 "
                        "단계마다 {contraction}배로 줄어들어 {run}은(는) 진동하며 수렴합니다.",
    "ex_a_divergent": "lr·λmax = {ratio} ≥ 2 (임계 학습률 2/λmax = {critical}): 가장 가파른 방향으로 "
                      "매 단계 더 크게 넘어서며 오차가 단계마다 ×{contraction}배로 커지므로, 처음에 "
                      "안정되어 보여도 {run}은(는) 발산합니다.",
    "ex_a_diverged_at": "{epoch} 에폭에서 손실이 무한대가 됩니다.",
    "ex_a_next": "{steps} 에폭 뒤인 {epoch} 에폭에서 ({a}, {b}) = {point}입니다.",
    "ex_a_lr": "가장 빠른 고정 학습률은 2/(λmin + λmax) = {best}입니다. 가장 가파른 방향과 가장 "
               "완만한 방향의 오차를 같은 비율로 줄입니다. 2/λmax = {critical} 이상이면 발산하며, "
               "조건수 {condition}은(는) 두 방향이 얼마나 다른지를 나타냅니다.",
    "ex_answer": "정답",
    "ex_submit": "답 확인",
    "ex_pick": "실험실의 등고선 그림에서 위치를 고르세요",
    "ex_use_lab": "실험실의 학습률 확인",
    "ex_open_lab": "실험실 열기",
    "ex_js_right": "정답입니다.",
    "ex_js_wrong": "아닙니다.",
    "ex_js_guess": "예측한 위치({guess})는 실제 위치에서 {distance}만큼 떨어져 있습니다.",
    "ex_js_lr_yes": "좋습니다. 학습률 {lr}에서 {epoch} 에폭에 손실이 {loss}로 {target}보다 작습니다.",
    "ex_js_lr_no": "아직입니다. 학습률 {lr}에서 {epochs} 에폭 후 손실이 {loss}로 {target} 아래가 아닙니다.",
    "ex_js_lr_setup": "먼저 실험실을 {loss} 손실과 기본 경사하강법(gd)으로 설정하세요.",
    "exercises_count": "문제 {count}개",
    "worksheet_title": "문제 모음",
    "worksheet_intro": "강의의 모든 문제를 순서대로 모았습니다. 각 문제는 실험실과 애니메이션으로 답을 "
                       "확인할 수 있는 페이지로 연결됩니다.",
    "worksheet_link": "모든 문제 (문제지)",
    # captions of the videos
    "captions_label": "한국어",
    "cap_epoch": "{epoch} 에폭",
    "cap_start": "w = {params}에서 시작, 손실 {loss}",
    "cap_overshoot": "한 단계가 넘어섭니다: 파라메터가 가던 방향을 지나쳐 되돌아옵니다",
    "cap_grows": "손실이 다시 커지기 시작합니다",
    "cap_divergent": "lr·λmax = {ratio} ≥ 2: 매 단계 더 크게 넘어섭니다.",
    "cap_leaves": "경로가 화면 밖으로 나갑니다",
    "cap_end_converged": "수렴: 단계가 허용 오차보다 작아졌습니다. 손실 {loss}",
    "cap_end_diverged": "발산: 손실이 더 이상 유한하지 않습니다",
    "cap_end_max_epochs": "마지막 에폭: w = {params}에서 손실 {loss}",
    "warn_hidden_divergence": "손실이 {first}에서 {last}로 줄어 수렴하는 것처럼 보이지만 "
                              "lr·λmax = {ratio} ≥ 2 입니다. 오차가 매 단계 ×{contraction}씩 커지므로 "
                              "이 실행은 천천히 발산합니다.",
    "table_caption": "마지막 단계에서의 모든 실행.",
    "video_alt": "{name}의 애니메이션: {story}",
    "story": "{loss}에 대해 w = {init}에서 시작한 학습률 {lr}의 {optimizer}. {epochs} 에폭 후 손실이 "
             "{first}에서 {last}가 되었습니다 ({status}, {regime}).",
    "story_no_regime": "{loss}에 대해 w = {init}에서 시작한 학습률 {lr}의 {optimizer}. {epochs} 에폭 후 "
                       "손실이 {first}에서 {last}가 되었습니다 ({status}).",
    "gif_link": "GIF",
    "mp4_link": "MP4",
    "png_link": "PNG",
    "pdf_link": "유인물 (PDF)",
    "slider_label": "{name}의 단계 이동",
    "compare_slider_label": "모든 실행의 단계 이동",
    "compare_note": "슬라이드에서 읽히지 않을 것은 격자에서 뺐습니다({note}). 실행별 애니메이션에는 모든 패널이 있습니다.",
    "slider_epoch": "에폭",
    "slider_loss": "손실",
    "slider_params": "w",
    "no_video": "이 실행에는 동영상이 없습니다 (형식: {formats}).",
    "compare_alt": "실행 {count}개를 나란히: {stories}",
    "more_runs": "나머지 실행 {count}개는 표와 내려받기에 있습니다.",
    "fig_loss": "에폭에 따른 손실",
    "fig_loss_alt": "실행 {count}개의 손실(로그 눈금)을 에폭에 따라 그린 그림; {summary}",
    "fig_contour": "손실 등고선 위의 모든 경로",
    "fig_contour_alt": "{a}와 {b}에 대한 손실 등고선과 각 실행의 시작점부터의 경로. "
                       "십자는 최소제곱해입니다.",
    "fig_sweep": "학습률에 따른 최종 손실",
    "fig_sweep_alt": "실행 {count}개의 최종 손실을 학습률에 따라 로그 축으로 그린 그림. "
                     "점선은 임계 학습률 {critical}입니다.",
    "axis_epoch": "에폭",
    "axis_loss": "손실",
    "axis_lr": "학습률",
    "axis_final_loss": "최종 손실",
    "legend_critical": "임계 학습률",
    "legend_ols": "OLS",
    "legend_data": "데이터",
    "legend_fit": "최소제곱 적합선",
    "ssemse_pair": "학습률 {a}의 SSE와 학습률 n·a = {na}의 MSE (n = {n})는 같은 단계를 밟습니다. "
                   "MSE의 기울기는 SSE의 기울기를 n으로 나눈 것이므로 학습률에 n을 곱하면 "
                   "업데이트가 같아집니다. 두 경로의 가장 큰 차이는 {diff}입니다.",
    "ssemse_scale": "SSE에서는 기울기가 n에 비례해 커집니다 (여기서는 시작점에서 MSE 기울기의 "
                    "{ratio}배). 그래서 데이터가 많아지면 학습률을 줄여야 하고, MSE는 n과 무관하게 "
                    "같은 학습률을 쓸 수 있습니다.",
    "fig_ssemse_alt": "{sse} (SSE, 학습률 {a})와 {mse} (MSE, 학습률 {na})의 경로를 겹쳐 그린 그림. "
                      "두 경로는 일치하며 가장 큰 차이는 {diff}입니다.",
    "dl_trace": "모든 단계 (trace.json)",
    "dl_csv": "{name}의 단계 (CSV)",
    "dl_yaml": "시나리오 (YAML)",
    "dl_data": "데이터 (CSV)",
    "embed_intro": "아래 중 하나를 복사해 슬라이드에 붙이세요. 경로는 이 폴더 기준입니다.",
    "embed_copy": "복사",
    "embed_copied": "복사됨",
    "sec_lab": "직접 해 보기",
    "lab_intro": "학습률, 옵티마이저, 손실, 시작점을 바꾸면 기록기와 같은 방식(float32, 전체 배치)으로 "
                 "브라우저에서 다시 계산합니다. 등고선 그림을 클릭하면 다른 점에서 시작합니다.",
    "lab_controls": "실험 설정",
    "lab_lr_slider": "학습률 (로그 눈금)",
    "lab_lr": "학습률",
    "lab_critical_mark": "2/λmax = {critical}",
    "lab_optimizer": "옵티마이저",
    "lab_momentum": "모멘텀",
    "lab_beta1": "β1",
    "lab_beta2": "β2",
    "lab_loss": "손실",
    "lab_epochs": "에폭 수",
    "lab_units": "입력",
    "lab_start": "시작점",
    "lab_start_help": "등고선 그림을 클릭(탭)하거나, 그림에 초점을 두고 화살표 키로 옮기세요 "
                      "(Shift를 누르면 크게 움직입니다).",
    "lab_reset": "기록된 실행으로 되돌리기",
    "lab_reset_choose": "실행 선택…",
    "lab_minibatch_note": "기록된 실행은 미니배치를 쓰지만, 이 실험은 같은 데이터로 전체 배치를 계산합니다.",
    "lab_scrub": "보여 줄 에폭",
    "lab_contour_alt": "{a}와 {b}에 대한 손실 등고선과 시작점(사각형)부터의 경로. "
                       "십자는 최소제곱해입니다.",
    "lab_contour_caption": "{a}와 {b}에 대한 손실 (나머지 파라메터는 최소제곱해의 값)과 경로.",
    "lab_fit_alt": "데이터 점과 보여 주는 에폭의 직선.",
    "lab_fit_alt_multi": "보여 주는 에폭에서 관측값 y를 예측값 ŷ에 대해 그린 그림. "
                         "대각선 위의 점은 정확히 맞춘 점입니다.",
    "lab_fit_caption": "보여 주는 에폭의 적합.",
    "lab_loss_alt": "에폭에 따른 손실(로그 눈금). 세로선은 보여 주는 에폭입니다.",
    "lab_loss_caption": "에폭에 따른 손실 (로그 눈금).",
    "lab_js_final": "최종 손실 {loss}",
    "lab_js_distance": "OLS까지 거리 {distance}",
    "lab_js_converged": "에폭 {epoch}에서 수렴",
    "lab_js_diverged": "에폭 {epoch}에서 발산",
    "lab_js_max_epochs": "최대 에폭 ({epochs})",
    "lab_js_monotone": "lr·λmax = {ratio}: 단조 수렴, 오차가 매 단계 {contraction}배로 줄어듭니다",
    "lab_js_oscillating": "lr·λmax = {ratio}: 진동하며 수렴, 오차가 매 단계 {contraction}배로 줄어듭니다",
    "lab_js_divergent": "lr·λmax = {ratio} ≥ 2: 발산, 오차가 매 단계 ×{contraction}씩 커집니다",
    "lab_js_left": "경로가 에폭 {epoch}에서 그림 밖으로 나갔습니다 (방향: ({a}, {b})).",
    "lab_js_epoch": "에폭 {epoch}/{steps} · 손실 {loss} · w = [{w}]",
    "lab_js_critical": "2/λmax",
    "lab_js_axis_epoch": "에폭",
    "lab_js_axis_loss": "손실",
    "back_to_index": "← 모든 시나리오",
    "failed": "만들 수 없음: {error}",
}

TABLES: dict[str, dict[str, str]] = {"en": EN, "ko": KO}


def strings(lang: str) -> dict[str, str]:
    """The string table for `lang` (en or ko)."""
    try:
        return TABLES[lang]
    except KeyError:
        from gdanim.report.errors import ReportError

        raise ReportError(f"--lang: one of {', '.join(LANGS)} is expected, got {lang!r}") from None
