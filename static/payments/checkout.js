// The co-payment checkout (templates/payments/checkout.html): Stripe.js mounts the card
// field; the card goes to Stripe only. Data comes from the page's JSON script elements.
(function () {
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const stripe = Stripe(read("publishable-key"));
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const form = document.getElementById("payment-form");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("pay");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    if (read("local-stripe")) {
      // localstripe cannot confirm a card in the browser: send the token's card id only.
      const result = await stripe.createToken(card);
      if (result.error) {
        errors.textContent = result.error.message || "The card was refused.";
        button.disabled = false;
        return;
      }
      document.getElementById("payment-method").value = result.token.card.id;
      form.submit();
      return;
    }
    const result = await stripe.confirmCardPayment(read("client-secret"), {payment_method: {card: card}});
    if (result.error) {
      errors.textContent = result.error.message || "The payment failed.";
      button.disabled = false;
      return;
    }
    window.location.reload();
  });
})();
