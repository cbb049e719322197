export default function Page() {
  return (
    <main>
      <p>Replica sandbox ready.</p>
    </main>
  );
}
