package io.gemmafleet.engine.ladder;

import io.gemmafleet.backend.MemoryBudget;
import io.gemmafleet.engine.MemoryPlanner;
import io.gemmafleet.engine.MemoryPlanner.PlanRefusedException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's position on its model ladder: the start plan, and the way down after a real out-of-memory.
 *
 * <p>{@link #start()} takes the first plan that fits the measured budget, in the planner's order: every rung at
 * the desired context, then every rung at half of it, and so on down to the floor ({@link MemoryPlanner#plan}).
 *
 * <p>{@link #stepDown} is for an allocation that failed at run time although the plan said it fits. The failure
 * proves that the memory really there is less than the failed plan's total, so the ladder lowers its budget to just
 * under that total and plans again in the same order. Candidates before the failed plan needed more than the
 * original budget and stay out; what comes back is the next rung that fits at the same context, else the first rung
 * that fits at a shorter context, each needing less than the plan that failed. When nothing does, the ladder is
 * exhausted and the worker cannot go on. Every move is one log line with the numbers.
 *
 * <p>Thread-safe: the engine may step down from its thread while metrics read the position from another.
 */
public final class FallbackLadder {

    private static final Logger LOG = LoggerFactory.getLogger(FallbackLadder.class);

    private final ModelLadder models;
    private final List<MemoryPlanner.Rung> rungs;
    private final MemoryPlanner planner;
    private final int desiredContext;
    private final int floorContext;
    private final MemoryBudget budget;
    private final Consumer<String> log;

    private volatile LadderPlan current;
    private volatile long budgetBytes;
    private volatile int stepDowns;
    private volatile boolean exhausted;

    /** A ladder that logs its moves through SLF4J. */
    public FallbackLadder(ModelLadder models, MemoryPlanner planner, int desiredContext, int floorContext,
                          MemoryBudget budget) {
        this(models, planner, desiredContext, floorContext, budget, LOG::info);
    }

    /**
     * @param log receives one line for the start plan and for each step down
     * @throws IllegalArgumentException unless {@code 1 <= floorContext <= desiredContext}
     */
    public FallbackLadder(ModelLadder models, MemoryPlanner planner, int desiredContext, int floorContext,
                          MemoryBudget budget, Consumer<String> log) {
        if (floorContext <= 0 || floorContext > desiredContext) {
            throw new IllegalArgumentException("context floor " + floorContext + " must be in 1.." + desiredContext);
        }
        this.models = models;
        this.rungs = models.rungs();
        this.planner = planner;
        this.desiredContext = desiredContext;
        this.floorContext = floorContext;
        this.budget = budget;
        this.budgetBytes = budget.bytes();
        this.log = log;
    }

    /** A ladder for {@code config} over {@code models}, with {@code budget} as measured on the backend. */
    public static FallbackLadder of(LadderConfig config, ModelLadder models, MemoryPlanner planner,
                                    MemoryBudget budget) {
        return new FallbackLadder(models, planner, config.desiredContext(), config.floorContext(), budget);
    }

    /**
     * The start plan: the first rung and context that fit the budget. Logs it.
     *
     * @throws PlanRefusedException when nothing fits even at the floor; the message states the budget, where it came
     *     from, and every rung's needs at the floor, in one line
     */
    public synchronized LadderPlan start() {
        MemoryPlanner.Plan plan;
        try {
            plan = planner.plan(rungs, desiredContext, floorContext, budget.bytes());
        } catch (PlanRefusedException e) {
            throw new PlanRefusedException(e.getMessage() + " (budget from " + budget.source() + ")");
        }
        current = place(plan);
        budgetBytes = budget.bytes();
        stepDowns = 0;
        exhausted = false;
        String shorter = "";
        if (current.context() < desiredContext) {
            shorter = "; desired context " + desiredContext
                    + (current.context() == plan.rung().config().contextLength() ? ", beyond the model's limit" : "");
        }
        log.accept("ladder: serving " + current.describe() + " (budget from " + budget.source() + shorter + ")");
        return current;
    }

    /**
     * Steps down from the current plan after an allocation failed on it; see the class comment for the order.
     *
     * @param reason in words, for the log line (e.g. the out-of-memory message)
     * @return the plan to serve now, or empty when nothing below the current plan fits (the ladder is exhausted;
     *     the current plan stays as it was)
     */
    public Optional<LadderPlan> stepDown(String reason) {
        return stepDown(current(), reason);
    }

    /**
     * Steps down from {@code failed}, unless the ladder has already stepped down past it (a second failure from
     * the same plan, reported late): then the current plan is returned and nothing changes.
     */
    public synchronized Optional<LadderPlan> stepDown(LadderPlan failed, String reason) {
        LadderPlan now = current();
        if (!failed.equals(now)) {
            return Optional.of(now);
        }
        if (exhausted) {
            return Optional.empty();
        }
        long lowered = Math.min(budgetBytes, failed.plan().totalBytes() - 1);
        try {
            current = place(planner.plan(rungs, desiredContext, floorContext, lowered));
            budgetBytes = lowered;
            stepDowns++;
            log.accept(String.format(Locale.ROOT, "ladder: out of memory on %s (%s); stepped down to %s "
                    + "(step-down %d; budget now %s, below the failed plan's total)",
                    failed.describe(), reason, current.describe(), stepDowns, ByteSize.format(lowered)));
            return Optional.of(current);
        } catch (PlanRefusedException e) {
            exhausted = true;
            log.accept("ladder: out of memory on " + failed.describe() + " (" + reason
                    + "); nothing below it fits: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The plan being served. @throws IllegalStateException before {@link #start()} */
    public LadderPlan current() {
        LadderPlan p = current;
        if (p == null) {
            throw new IllegalStateException("the ladder has not been started");
        }
        return p;
    }

    /** The plan being served, or empty before {@link #start()}. */
    public Optional<LadderPlan> position() {
        return Optional.ofNullable(current);
    }

    /** The budget now planned with: the measured one, lowered by each step down. */
    public long budgetBytes() {
        return budgetBytes;
    }

    /** The budget as measured at start, with its source. */
    public MemoryBudget measuredBudget() {
        return budget;
    }

    public int stepDowns() {
        return stepDowns;
    }

    /** Whether a step down found nothing below the current plan. */
    public boolean exhausted() {
        return exhausted;
    }

    public ModelLadder models() {
        return models;
    }

    private LadderPlan place(MemoryPlanner.Plan plan) {
        for (int i = 0; i < rungs.size(); i++) {
            if (rungs.get(i) == plan.rung()) {
                return new LadderPlan(i, rungs.size(), models.entry(i).modelRef(), plan);
            }
        }
        throw new IllegalStateException("the planner returned a rung not on the ladder: " + plan.rung().name());
    }
}
