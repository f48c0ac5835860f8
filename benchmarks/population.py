"""The plan of the recount benchmark's synthetic population: which numbers, names and codes bench data
has, and how big each customer is. Pure Python, no database.

Bench data is recognisable: customers numbered from BENCH_FIRST_NUMBER (from 100000 - N for more than
10,000, down to BENCH_LOWEST_NUMBER at `--scale 5`) whose name starts with BENCH_NAME_PREFIX, and user
identities whose code starts with BENCH_CODE_PREFIX.
"""

import random
from dataclasses import dataclass

BENCH_FIRST_NUMBER = 90000
BENCH_LOWEST_NUMBER = 50000
BENCH_MAX_CUSTOMERS = 100000 - BENCH_LOWEST_NUMBER


def first_number_for(customers: int) -> int:
    """The first bench customer number: 90000 up to 10,000 customers, below that for more."""
    return min(BENCH_FIRST_NUMBER, 100000 - customers)


BENCH_NAME_PREFIX = "Benchmark klant "
BENCH_CODE_PREFIX = "bench:"
BENCH_EMAIL_DOMAIN = "@bench.example.nl"
TYPE_WEIGHTS = (("O", 50), ("T", 30), ("A", 15), ("D", 5))
MAX_ENVIRONMENTS_PER_TYPE = 26 * 26


@dataclass(frozen=True)
class EnvironmentShape:
    number: str
    code: str
    type: str
    ordinal: int
    is_active: bool
    users: int
    user_offset: int
    employees: int
    declarations: int
    clients: int


@dataclass(frozen=True)
class CustomerShape:
    number: str
    user_pool: int
    employee_pool: int
    declaration_pool: int
    client_pool: int
    edition: str | None  # None: no license yet, the recount creates one


def plan_population(
    *,
    customers: int,
    environments_per_customer: float,
    users_per_environment: float,
    seed: int = 2026,
    first_number: int = BENCH_FIRST_NUMBER,
) -> tuple[list[CustomerShape], list[EnvironmentShape]]:
    """A skewed population: most customers have one or two small environments, a few have hundreds
    of environments and thousands of users. The averages match the arguments. Customers are numbered
    from `first_number` (bench_refresh's numbers unless another bench passes its own)."""
    rng = random.Random(seed)
    # Pareto weights (the 80/20 rule): the size of a customer.
    weights = [min(rng.paretovariate(1.16), 400.0) for _ in range(customers)]
    total_environments = max(customers, round(customers * environments_per_customer))
    extra = total_environments - customers
    weight_sum = sum(weights)
    env_counts = [1 + int(extra * w / weight_sum) for w in weights]
    for _ in range(total_environments - sum(env_counts)):
        env_counts[rng.randrange(customers)] += 1
    env_counts = [min(n, 4 * MAX_ENVIRONMENTS_PER_TYPE // 2) for n in env_counts]

    # Users per environment grow more slowly than the customer's size; scaled to hit the average.
    draws = []
    for n_envs, weight in zip(env_counts, weights, strict=True):
        per_env = weight**0.7 * rng.uniform(0.6, 1.4)
        draws.append((per_env, [per_env * rng.uniform(0.5, 1.5) for _ in range(n_envs)]))
    scale = total_environments * users_per_environment / sum(sum(users) for _, users in draws)
    customer_shapes: list[CustomerShape] = []
    environment_shapes: list[EnvironmentShape] = []
    for index, (n_envs, (per_env, raw_users)) in enumerate(zip(env_counts, draws, strict=True)):
        number = f"{first_number + index:05d}"
        per_env *= scale
        env_users = [max(1, round(users * scale)) for users in raw_users]
        # Users recur across a customer's environments: the pool is much smaller than the rows.
        pool = max(max(env_users), round(per_env * (1 + 0.5 * (n_envs - 1) ** 0.5)))
        employee_pool = max(1, round(pool * 0.7))
        declaration_pool = max(1, round(pool * 0.1)) if rng.random() < 0.6 else 0
        client_pool = rng.randint(10, 50 + pool // 2) if rng.random() < 0.1 else 0
        edition = rng.choices(["profit", "small_business", "enterprise", None], [70, 12, 8, 10])[0]
        customer_shapes.append(
            CustomerShape(number, pool, employee_pool, declaration_pool, client_pool, edition)
        )
        per_type = {letter: 0 for letter, _ in TYPE_WEIGHTS}
        for ordinal in range(n_envs):
            if ordinal == 0:
                letter = "O"
            else:
                letter = rng.choices([t for t, _ in TYPE_WEIGHTS], [w for _, w in TYPE_WEIGHTS])[0]
            if per_type[letter] >= MAX_ENVIRONMENTS_PER_TYPE:
                continue
            n = per_type[letter]
            per_type[letter] += 1
            suffix = chr(65 + n // 26) + chr(65 + n % 26)
            users = env_users[ordinal]
            is_production = letter == "O"
            environment_shapes.append(
                EnvironmentShape(
                    number=number,
                    code=f"{letter}{number}{suffix}",
                    type=letter,
                    ordinal=ordinal,
                    is_active=ordinal == 0 or rng.random() > 0.02,
                    users=users,
                    user_offset=(ordinal * max(1, users // 2)) % pool,
                    employees=min(employee_pool, round(users * (0.5 if is_production else 0.1))),
                    declarations=declaration_pool
                    if is_production and (ordinal == 0 or rng.random() < 0.3)
                    else 0,
                    clients=rng.randint(client_pool // 2, client_pool)
                    if client_pool and letter in "OT"
                    else 0,
                )
            )
    return customer_shapes, environment_shapes
