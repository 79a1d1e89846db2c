/*  Runs inside the sandboxed swipl process: load one untrusted program, call
    solve(Answer), and report through the descriptor named by REASONER_REPORT_FD.

    Invoked as
        swipl --stack-limit=64m ... _prolog_runner.pl -- TimeLimitSeconds
    with the program text on stdin (or as a saved state built from this file), or
    through warm_main/5 in a child of the warm pool (see _prolog_warm.py).

    Why each step is here:
    - the program is loaded with load_files(..., [sandboxed(true)]), so every
      directive is checked by library(sandbox) before it runs;
    - the goal is checked by safe_goal/1 before it is called, so solve/1 cannot
      reach shell/1, open/3, halt/0 and friends;
    - errors printed while loading (syntax errors, refused directives) are
      collected through message_hook/3, because load_files/2 reports them as
      messages and carries on instead of throwing;
    - the report descriptor is opened only after the program has finished, and
      the environment variable naming it is removed before the program loads.
*/

:- module(reasoner_prolog_runner, [main/0, warm_main/5]).

:- use_module(library(sandbox)).
:- use_module(library(time)).
:- use_module(library(lists)).
:- use_module(library(apply)).
:- use_module(library(occurs)).

%   Libraries a program may `use_module`. They are loaded here, trusted, because
%   loading them under sandboxed(true) fails (clpfd declares operators the
%   sandbox refuses); a program's use_module/1 then only imports them.
:- use_module(library(clpfd)).
:- use_module(library(aggregate)).
:- use_module(library(assoc)).
:- use_module(library(pairs)).
:- use_module(library(ordsets)).
:- use_module(library(yall)).
:- use_module(library(solution_sequences)).
:- use_module(library(dif)).

:- dynamic collecting/0, load_problem/1, load_singletons/2, all_solutions_mode/0, rule_base_seen/0,
   rule_base_closed/0.

%   `:- all_solutions.` in a program asks for every answer of solve/1. It is
%   consumed here, at read time, so the sandbox never sees it as a goal.
:- multifile user:term_expansion/2.
user:term_expansion((:- all_solutions), []) :-
    collecting,
    !,
    assertz(all_solutions_mode).
%   The program is loaded into its own module `program`. A clause for another
%   module (`user:message_hook(...) :- ...`) would install a hook that the
%   sandbox of SWI-Prolog 9.0 does not check, so such clauses are refused here.
user:term_expansion(Term, []) :-
    collecting,
    foreign_head(Term, Head),
    !,
    print_message(error, error(permission_error(define, sandboxed, Head),
                               context(_, 'clauses may only define predicates of the program'))).

foreign_head(Term, Head) :-
    (   Term = (Head0 :- _) -> true
    ;   Term = (Head0 --> _) -> true
    ;   Term = (:- _) -> fail
    ;   Head0 = Term
    ),
    nonvar(Head0),
    Head0 = M:_,
    M \== program,
    Head = Head0.

%   Rule bases. A program states each sentence of a rule base as a fact
%   holds(Subject, Property, Truth), Truth `true` or `false`, and the Subject may be an
%   individual (holds(rex, dog, true): Rex is a dog), a class or property
%   (holds(dog, loyal, true): every dog is loyal; holds(big, strong, true):
%   big things are strong), a negated one (not(big)) or a list of them
%   ([kind, not(quiet)]: whatever is kind and not quiet). Small models write these facts
%   readily and rules rarely, so the runner supplies the rules: the program's holds/3
%   clauses (facts and any rules it writes) are renamed rb_stated/3, and holds/3
%   becomes everything that follows from them by inheritance, tabled.
%   Spellings small models mix up are read as one: holds([S, P], T) is holds(S, P, T);
%   a negated property may be not(p) or not_p (holds(max, not_opaque, true) is
%   holds(max, opaque, false)); a name is compared in the singular by English plural
%   endings (cats, cat; foxes, fox; buses, bus; but james, glass and happiness stay), in
%   facts and in queries.
user:term_expansion(Term, Expanded) :-
    collecting,
    rule_base_clause(Term, Expanded),
    !,
    assertz(rule_base_seen).
user:term_expansion(end_of_file, Closure) :-
    collecting,
    rule_base_seen,
    \+ rule_base_closed,
    !,
    assertz(rule_base_closed),
    rule_base_closure(Clauses),
    append(Clauses, [end_of_file], Closure).

rule_base_clause(holds(S, P, T), rb_stated(S, P, T)).
rule_base_clause((holds(S, P, T) :- Body), (rb_stated(S, P, T) :- Body)).
rule_base_clause(holds([S, P], T), rb_stated(S, P, T)) :-   % a slip small models make
    T == true ; T == false.

%   Conditions are Property-Truth pairs: a Subject `max` is [max-true], `not(big)` is
%   [big-false], `[kind, not(quiet)]` is [kind-true, quiet-false].
rule_base_closure([
    (:- table rb_holds/3),
    (holds(X0, P0, T0) :-
        rb_name(X0, X, _), rb_name(P0, P, Negated), rb_holds(X, P, T), rb_polar(Negated, T, T0)),
    (rb_holds(X, P, T) :- rb_fact([X-true], P, T)),
    (rb_holds(X, P, T) :- rb_fact(Conditions, P, T), rb_all(Conditions, X)),
    (rb_fact(Conditions, P, T) :-
        rb_stated(S, P0, T0), rb_conditions(S, Conditions),
        rb_name(P0, P, Negated), rb_polar(Negated, T0, T)),
    (rb_all([], _)),
    (rb_all([C-T|Cs], X) :- rb_holds(X, C, T), rb_all(Cs, X)),
    (rb_conditions(S, Conditions) :-
        (   is_list(S) -> maplist(rb_condition, S, Conditions)
        ;   rb_condition(S, C), Conditions = [C]
        )),
    (rb_condition(S, P-T) :- rb_name(S, P, Negated), rb_polar(Negated, true, T)),
    (rb_name(N0, N, Negated) :-
        (   var(N0) -> N = N0, Negated = no
        ;   N0 = not(N1) -> rb_singular(N1, N), Negated = yes
        ;   atom(N0), atom_concat(not_, N1, N0), N1 \== '' -> rb_singular(N1, N), Negated = yes
        ;   rb_singular(N0, N), Negated = no
        )),
    (rb_singular(N0, N) :-            % steadfast: N may come in bound
        (   atom(N0), member(End, [uses, sses, xes, ches, shes, zes]), atom_concat(Stem, End, N0),
            Stem \== ''
        ->  sub_atom(End, 0, _, 2, Kept), atom_concat(Stem, Kept, N1)
        ;   atom(N0), atom_concat(N1, s, N0), atom_length(N1, Length), Length >= 3,
            sub_atom(N1, _, 1, 0, Last), \+ sub_atom(aeiousy, _, 1, _, Last)
        ->  true
        ;   N1 = N0
        ),
        N = N1),
    (rb_polar(no, T, T)),
    (rb_polar(yes, true, false)),
    (rb_polar(yes, false, true))
]).

%   Families. A program that states family facts (mother/2, father/2 or parent/2, and
%   male/1, female/1 where it says so) gets the usual relations it does not define
%   itself, each Relation(Relative, Person): grandmother(G, carol) is "G is Carol's
%   grandmother". Small models state the facts right and then call a relation they
%   never defined, or define grandfather/2 and call grandparent/2; these clauses make
%   such programs run. A predicate the program defines is never touched; a relation
%   lists each pair once (distinct/2), however many ways it is derived.
supply_family :-
    findall(PI, ( family_predicate(PI), program_defines(PI) ), Defined),
    (   member(Base, [mother/2, father/2, parent/2]), memberchk(Base, Defined),
        \+ variable_fact(_)
    ->  forall(( family_clause(Clause), clause_pi(Clause, PI), \+ memberchk(PI, Defined) ),
               assertz(program:Clause)),
        forall(( family_fact(N/A), \+ memberchk(N/A, Defined) ),
               dynamic(program:N/A))           % stated by no one: fails, no existence error
    ;   true
    ).

%   father(paul, Sofia): a name written with a capital letter is a variable, so Paul
%   would be everyone's father; relations built on such a fact answer wrongly, where
%   without them the run fails and its message names the variable.
variable_fact(Head) :-
    family_fact(N/A),
    functor(Head, N, A),
    predicate_property(program:Head, defined),
    catch(clause(program:Head, true), _, fail),
    \+ ground(Head).

program_defines(N/A) :-
    functor(Head, N, A),
    predicate_property(program:Head, defined),
    \+ predicate_property(program:Head, imported_from(_)).

clause_pi((Head :- _), N/A) :- functor(Head, N, A).

family_predicate(PI) :- family_fact(PI).
family_predicate(PI) :- family_clause(Clause), clause_pi(Clause, PI).

%   What a program states as facts; parent/2 is also derived when it does not.
family_fact(mother/2).
family_fact(father/2).
family_fact(parent/2).
family_fact(male/1).
family_fact(female/1).

%   mother/2, father/2, male/1 and female/1 are only ever stated, never derived here
%   (deriving mother/2 from parent/2 and parent/2 from mother/2 would loop).
family_clause((parent(P, C) :- mother(P, C))).
family_clause((parent(P, C) :- father(P, C))).
family_clause((kin_female(X) :- female(X))).
family_clause((kin_female(X) :- mother(X, _))).
family_clause((kin_male(X) :- male(X))).
family_clause((kin_male(X) :- father(X, _))).
family_clause((child(C, P) :- parent(P, C))).
family_clause((son(S, P) :- parent(P, S), once(kin_male(S)))).
family_clause((daughter(D, P) :- parent(P, D), once(kin_female(D)))).
family_clause((grandparent(G, C) :- distinct(G-C, (parent(G, P), parent(P, C))))).
family_clause((grandmother(G, C) :- grandparent(G, C), once(kin_female(G)))).
family_clause((grandfather(G, C) :- grandparent(G, C), once(kin_male(G)))).
family_clause((grandchild(C, G) :- grandparent(G, C))).
family_clause((great_grandparent(G, C) :- distinct(G-C, (parent(G, P), grandparent(P, C))))).
family_clause((great_grandmother(G, C) :- great_grandparent(G, C), once(kin_female(G)))).
family_clause((great_grandfather(G, C) :- great_grandparent(G, C), once(kin_male(G)))).
family_clause((great_grandchild(C, G) :- great_grandparent(G, C))).
family_clause((sibling(X, Y) :- distinct(X-Y, (parent(P, X), parent(P, Y), X \== Y)))).
family_clause((sister(S, X) :- sibling(S, X), once(kin_female(S)))).
family_clause((brother(B, X) :- sibling(B, X), once(kin_male(B)))).
family_clause((aunt(A, N) :- distinct(A-N, (parent(P, N), sibling(A, P), once(kin_female(A)))))).
family_clause((uncle(U, N) :- distinct(U-N, (parent(P, N), sibling(U, P), once(kin_male(U)))))).
family_clause((cousin(X, Y) :- distinct(X-Y, (parent(P, X), parent(Q, Y), sibling(P, Q))))).
family_clause((ancestor(A, D) :- distinct(A-D, kin_ancestor(A, D)))).
family_clause((kin_ancestor(A, D) :- parent(A, D))).
family_clause((kin_ancestor(A, D) :- parent(A, X), kin_ancestor(X, D))).
family_clause((descendant(D, A) :- ancestor(A, D))).

:- multifile user:message_hook/3.
user:message_hook(Term, Kind, _Lines) :-
    collecting,
    memberchk(Kind, [error]),
    assertz(load_problem(Term)),
    fail.
%   Singleton warnings are kept for the error message of a run that then fails: a
%   name written with a capital letter (`father(paul, Sofia)`) is a variable, the most
%   common slip of a model writing Prolog, and the warning names it.
user:message_hook(singletons(Clause, Names), warning, _Lines) :-
    collecting,
    clause_indicator(Clause, PI),
    assertz(load_singletons(PI, Names)),
    fail.

clause_indicator(Clause, Name/Arity) :-
    (   Clause = (Head :- _) -> true ; Head = Clause ),
    (   callable(Head) -> functor(Head, Name, Arity) ; Name = '?', Arity = 0 ).

main :-
    current_prolog_flag(argv, Argv),
    memberchk(warm, Argv),
    !,
    %   Embedded in the warm pool's supervisor (_prolog_warm.py): return to it, which
    %   forks a child per program that calls warm_main/5.
    set_prolog_flag(autoload, true).
main :-
    current_prolog_flag(argv, Argv),
    option_arg(Argv, time, 5, Limit),
    option_arg(Argv, stack, 67108864, Stack),
    option_arg(Argv, tables, 67108864, Tables),
    set_prolog_flag(stack_limit, Stack),
    set_prolog_flag(table_space, Tables),
    set_prolog_flag(autoload, true),        % a saved state starts with it off
    getenv('REASONER_REPORT_FD', FdAtom),
    unsetenv('REASONER_REPORT_FD'),
    set_stream(user_input, encoding(utf8)),
    read_string(user_input, _, Text),
    run(Text, Limit, Outcome),
    report(FdAtom, Outcome),
    halt(0).

%!  warm_main(+Text, +Limit, +Stack, +Tables, +FdAtom) is det.
%
%   The entry of a child forked by the warm pool (_prolog_warm.py), where Prolog was
%   initialised and this runner loaded once, before the fork. The child exits after
%   it, so a program's clauses, assertions and flags never reach another program.
warm_main(Text, Limit, Stack, Tables, FdAtom) :-
    set_prolog_flag(stack_limit, Stack),
    set_prolog_flag(table_space, Tables),
    run(Text, Limit, Outcome),
    report(FdAtom, Outcome),
    forall(member(S, [user_output, user_error]), catch(flush_output(S), _, true)).

%   Arguments after `--` are Name=Number pairs, e.g. time=4.5 stack=67108864.
option_arg(Argv, Name, Default, Value) :-
    (   member(Arg, Argv),
        atomic_list_concat([Name, Text], =, Arg),
        atom_number(Text, Value0),
        Value0 > 0
    ->  Value = Value0
    ;   Value = Default
    ).

%!  run(+Text, +Limit, -Outcome) is det.
%
%   Outcome is value(String) or error(Kind, Message).
run(Text, Limit, Outcome) :-
    get_time(Start),
    catch(call_with_time_limit(Limit, load_program(Text)), E, true),
    (   nonvar(E)
    ->  classify(E, Outcome0)
    ;   load_outcome(Outcome1), Outcome1 \== ok
    ->  Outcome0 = Outcome1
    ;   get_time(Now),
        Left is max(0.05, Limit - (Now - Start)),
        catch(supply_family, _, true),      % a library, never a reason for a run to fail
        catch(call_with_time_limit(Left, call_solve(Outcome0)), E2, classify(E2, Outcome0))
    ),
    with_singletons(Outcome0, Outcome).

%   A failed run's message ends with the load's singleton warnings, if there were any.
with_singletons(error(Kind, Msg0), error(Kind, Msg)) :-
    findall(PI-Names, load_singletons(PI, Names), Found),
    Found = [_|_],
    !,
    maplist(singleton_text, Found, Lines),
    atomic_list_concat(Lines, '; ', Listed),
    format(string(Msg), "~w\nSingleton variables (each occurs once in its clause, so it matches \c
                         anything; a name starting with a capital letter is a variable, write \c
                         constants in lower case): ~w", [Msg0, Listed]).
with_singletons(Outcome, Outcome).

singleton_text(PI-Names, Text) :-
    atomic_list_concat(Names, ', ', Joined),
    format(string(Text), "~w in a clause of ~q", [Joined, PI]).

load_program(Text) :-
    setup_call_cleanup(
        ( open_string(Text, In), assertz(collecting) ),
        load_files(program:'program.pl', [stream(In), sandboxed(true), silent(true)]),
        ( retractall(collecting), close(In) )).

load_outcome(Outcome) :-
    findall(T, load_problem(T), Problems),
    (   Problems == []
    ->  Outcome = ok
    ;   messages_text(Problems, Msg),
        (   include(is_denied, Problems, [_|_])
        ->  Outcome = error(denied, Msg)
        ;   include(is_syntax_error, Problems, [_|_])
        ->  Outcome = error(syntax, Msg)
        ;   include(is_resource, Problems, [_|_])
        ->  Outcome = error(memory, Msg)
        ;   Outcome = error(runtime, Msg)
        )
    ).

is_syntax_error(T) :- sub_term(S, T), nonvar(S), S = syntax_error(_), !.
is_resource(T) :- sub_term(S, T), nonvar(S), S = resource_error(_), !.
is_denied(T) :- sub_term(S, T), nonvar(S), S = permission_error(Action, Type, _), denied(Action, Type), !.

%   Refusals by library(sandbox) (and by this runner), as opposed to ordinary
%   permission errors such as redefining a built-in.
denied(_, Type) :- atom(Type), sub_atom(Type, 0, _, _, sandboxed).
denied(register, initialization(_)).

call_solve(Outcome) :-
    safe_goal(program:solve(_)),
    (   all_solutions_mode
    ->  Goal = findall(A, program:solve(A), Answer)
    ;   Goal = program:solve(Answer)
    ),
    (   call(Goal)
    ->  answer_outcome(Answer, Outcome)
    ;   Outcome = error(no_answer,
                        "solve(Answer) has no solution (the goal failed). \c
                         For a yes/no question, make solve/1 succeed with the value itself, \c
                         e.g. solve(false).")
    ).

answer_outcome(Answer, error(no_answer, Msg)) :-
    var(Answer),
    !,
    Msg = "solve(Answer) succeeded but left Answer unbound".
answer_outcome([], error(no_answer, Msg)) :-
    all_solutions_mode,
    !,
    Msg = "solve(Answer) has no solution at all (every solution: []). \c
           Check that each goal's arguments are in the order the facts use \c
           (grandparent(G, carol) for Carol's grandparent, not grandparent(carol, G)). \c
           If no one is the answer, say so: solve(none).".
answer_outcome(Answer, error(no_answer, Msg)) :-
    all_solutions_mode,
    include(var, Answer, Unbound),
    length(Unbound, N),
    N > 0,
    !,
    length(Answer, All),
    format(string(Msg), "solve(Answer) succeeded but left Answer unbound in ~D of its ~D solutions", [N, All]).
answer_outcome(Answer, error(no_answer, Msg)) :-
    term_attvars(Answer, [_|_]),
    !,
    Msg = "solve(Answer) left constrained variables in Answer (CLP(FD) without label/1?); \c
           label them so Answer is a value".
answer_outcome(Answer, Outcome) :-
    \+ \+ ( numbervars(Answer, 0, _),
            with_output_to(string(S),
                           write_term(Answer, [quoted(false), numbervars(true),
                                               spacing(next_argument), portray(false)])),
            nb_setval(reasoner_answer, S) ),
    nb_getval(reasoner_answer, String),
    string_length(String, Length),
    (   Length > 100000
    ->  format(string(Msg), "the answer is ~D characters long; the limit is 100,000", [Length]),
        Outcome = error(output_limit, Msg)
    ;   Outcome = value(String)
    ).

%!  classify(+Exception, -Outcome) is det.
classify(time_limit_exceeded, error(timeout, Msg)) :-
    !,
    Msg = "the Prolog time limit was exceeded (infinite recursion or a search that is too big? \c
           Consider tabling with :- table p/2.)".
classify(error(existence_error(procedure, PI), _), error(no_answer, Msg)) :-
    solve_indicator(PI),
    !,
    Msg = "the program does not define solve/1; define solve(Answer)".
classify(E, error(denied, Msg)) :-
    is_denied(E),
    !,
    message_text(E, Msg).
classify(E, error(memory, Msg)) :-
    is_resource(E),
    !,
    resource_text(E, Msg).
classify(E, error(syntax, Msg)) :-
    is_syntax_error(E),
    !,
    message_text(E, Msg).
classify(E, error(runtime, Msg)) :-
    message_text(E, Msg).

solve_indicator(_:solve(_)).
solve_indicator(solve(_)).
solve_indicator(_:solve/1).
solve_indicator(solve/1).

resource_text(error(resource_error(R), _), Msg) :-
    !,
    format(string(Msg), "Prolog ran out of resources (~w): the stack or memory limit was reached, \c
                         often by unbounded recursion", [R]).
resource_text(E, Msg) :-
    message_text(E, Msg).

messages_text(Terms, Text) :-
    maplist(message_text, Terms, Texts),
    atomic_list_concat(Texts, '\n', Text0),
    atom_string(Text0, Text).

message_text(Term, Text) :-
    catch(( message_to_codes(Term, Codes), string_codes(Text0, Codes) ),
          _,
          format(string(Text0), "~q", [Term])),
    split_string(Text0, "", " \t\n", [Text]).

message_to_codes(Term, Codes) :-
    '$messages':translate_message(Term, Lines, []),
    with_output_to(codes(Codes), print_message_lines(current_output, '', Lines)).

%!  report(+FdAtom, +Outcome) is det.
%
%   Exactly one JSON line; the descriptor is opened only now.
report(FdAtom, Outcome) :-
    outcome_pairs(Outcome, Pairs),
    (   catch(open_report(FdAtom, Out), _, fail)
    ->  write_json_object(Out, Pairs),
        nl(Out),
        close(Out)
    ;   format(user_error, "reasoner: cannot open the report descriptor ~w~n", [FdAtom]),
        halt(3)
    ).

outcome_pairs(value(S), ["value"-S]).
outcome_pairs(error(Kind, Msg), ["error"-K, "message"-Trimmed]) :-
    atom_string(Kind, K),
    trim_message(Msg, Trimmed).

trim_message(Msg, Trimmed) :-
    string_length(Msg, Len),
    (   Len > 2000
    ->  sub_string(Msg, 0, 2000, _, Head),
        string_concat(Head, " ...", Trimmed)
    ;   Trimmed = Msg
    ).

open_report(FdAtom, Out) :-
    (   atom_concat('/dev/fd/', FdAtom, Path), exists_file(Path)
    ->  true
    ;   atom_concat('/proc/self/fd/', FdAtom, Path)
    ),
    open(Path, write, Out, [encoding(utf8)]).

write_json_object(Out, Pairs) :-
    write(Out, '{'),
    foldl(write_pair(Out), Pairs, "", _),
    write(Out, '}').

write_pair(Out, Key-Value, Sep, ", ") :-
    write(Out, Sep),
    write_json_string(Out, Key),
    write(Out, ': '),
    write_json_string(Out, Value).

write_json_string(Out, S) :-
    string_codes(S, Codes),
    put_char(Out, '"'),
    forall(member(C, Codes), json_char(Out, C)),
    put_char(Out, '"').

json_char(Out, 0'") :- !, write(Out, '\\"').
json_char(Out, 0'\\) :- !, write(Out, '\\\\').
json_char(Out, 0'\n) :- !, write(Out, '\\n').
json_char(Out, 0'\t) :- !, write(Out, '\\t').
json_char(Out, 0'\r) :- !, write(Out, '\\r').
json_char(Out, C) :- C < 0x20, !, format(Out, '\\u~|~`0t~16r~4+', [C]).
json_char(Out, C) :- put_code(Out, C).
